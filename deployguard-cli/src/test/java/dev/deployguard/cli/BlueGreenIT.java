package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.local.process.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blue/green end to end: preview with no user traffic, promotion by a person, instant switch-back. */
class BlueGreenIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    static String get(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body().strip();
    }

    @Test
    void previewThenPromoteThenSwitchBackWithoutAFailedRequest() throws Exception {
        h = new Harness(dir, "", 1);
        int preview = Ports.freeLoopbackPort();
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, """
                strategy:
                  blueGreen:
                    previewListen: "127.0.0.1:%d"
                    autoPromote: false
                    scaleDownDelay: 2s
                    analysis: {latency: false}
                """.formatted(preview));
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        try (var traffic = new SteadyTraffic(h.app(), 2, 100).start()) {
            assertThat(h.ok("deploy", "demo", "--version", "v2").out()).contains("blue/green rollout of v2");
            JsonNode r = h.ok("status", "demo", "-o", "json").json().path("rollout");
            assertThat(r.path("phase").asText()).isEqualTo("PAUSED");
            assertThat(r.path("weight").asInt()).isZero();
            assertThat(get(preview)).isEqualTo("hello from demo v2");
            assertThat(h.get()).isEqualTo("hello from demo v1");

            h.ok("promote", "demo");
            assertThat(h.get()).isEqualTo("hello from demo v2");
            Harness.await(Duration.ofSeconds(30), () -> h.ok("status", "demo", "-o", "json").json()
                    .path("rollout").path("phase").asText().equals("SUCCEEDED"));

            // The old release stayed warm: switching back is a traffic switch.
            String back = h.ok("rollback", "demo", "-o", "json").json().path("message").asText();
            assertThat(back).contains("warm switch");
            assertThat(h.get()).isEqualTo("hello from demo v1");
            traffic.stop();
            assertThat(traffic.failed()).as("%s", traffic.failureSamples()).isZero();
            assertThat(traffic.answers()).containsKeys("hello from demo v1", "hello from demo v2");
        }
        assertThat(Ports.isFree("127.0.0.1", preview)).as("preview router stopped after promotion").isTrue();
    }
}
