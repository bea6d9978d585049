package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Built-in load for quiet apps (issue 11, item 9) end to end: a demo app that gets no user traffic at all, whose
 * canary analysis steps send synthetic requests through the app's router. The canary is decided from that load
 * alone: a good version promoted, a version answering 20% errors rolled back; the router counts the synthetic
 * requests apart, and the load stops with its step and with the rollout.
 */
class LoadIT {
    static final String QUIET = """
            strategy:
              canary:
                steps:
                  - setWeight: 25
                  - analysis: {load: {rate: 150, path: /, duration: 3m, headers: {X-Team: checkout}}}
                  - setWeight: 50
                  - analysis: {load: {rate: 150, path: /, duration: 3m}}
                analysis: {interval: 1s, minDuration: 3s, maxDuration: 150s, latency: false,
                           negligibleErrorRate: 0.02}
                bake: 2s
            """;

    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private JsonNode awaitRolloutDone() throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        try {
            Harness.await(Duration.ofSeconds(240), () -> {
                last[0] = h.ok("status", "demo", "-o", "json").json().path("rollout");
                String phase = last[0].path("phase").asText();
                return phase.equals("SUCCEEDED") || phase.equals("ROLLED_BACK");
            });
        } catch (AssertionError e) {
            throw new AssertionError("rollout not done: " + last[0], e);
        }
        return last[0];
    }

    private List<JsonNode> events(String kind) {
        List<JsonNode> out = new ArrayList<>();
        h.ok("events", "demo", "-o", "json").json().path("events").forEach(e -> {
            if (e.path("kind").asText().equals(kind)) {
                out.add(e);
            }
        });
        return out;
    }

    @Test
    void aQuietAppsCanaryIsDecidedFromTheBuiltInLoadAlone() throws Exception {
        h = new Harness(dir, "v2:errorRate=0.2", 1);
        h.writeSpec("v2:errorRate=0.2", 1, Harness.java(), "127.0.0.1:" + h.listen, QUIET);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");

        // a good version, with no user request at all: promoted on the synthetic evidence
        h.ok("deploy", "demo", "--version", "v3");
        JsonNode good = awaitRolloutDone();
        assertThat(good.path("phase").asText()).isEqualTo("SUCCEEDED");
        assertThat(good.path("lastVerdict").asText()).startsWith("PASS");
        // one load per analysis step, each stopped when its step ended
        assertThat(events("load.started")).hasSize(2);
        Harness.await(Duration.ofSeconds(10), () -> events("load.stopped").size() == 2);
        assertThat(events("load.started").get(0).path("message").asText())
                .contains("150 requests/s to /", "X-DeployGuard-Synthetic: 1");
        assertThat(events("load.stopped").get(0).path("message").asText()).contains("synthetic requests sent");

        // the router told the synthetic requests from user traffic: every request of this generation was one
        JsonNode metrics = ApiClient.forStateDir(h.stateDir, null, "test").get("/api/apps/demo/metrics");
        long requests = 0;
        long synthetic = 0;
        for (JsonNode t : metrics.path("tracks")) {
            requests += t.path("requests").asLong();
            synthetic += t.path("synthetic").asLong();
        }
        assertThat(synthetic).isPositive().isEqualTo(requests);

        // a version answering 20% errors: rolled back, again from the load alone, and its load stopped
        h.ok("deploy", "demo", "--version", "v2");
        JsonNode bad = awaitRolloutDone();
        assertThat(bad.path("phase").asText()).isEqualTo("ROLLED_BACK");
        assertThat(bad.path("outcome").asText()).contains("analysis failed");
        Harness.await(Duration.ofSeconds(10), () -> events("load.stopped").size() == 3);
        assertThat(events("load.stopped").get(2).path("message").asText()).contains("rolled back");
        assertThat(h.get()).contains("v3");
    }
}
