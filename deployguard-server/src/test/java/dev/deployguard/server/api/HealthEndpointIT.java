package dev.deployguard.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.server.ControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/health} over real HTTP reports a stuck loop (issue 19, item 2): while a supervision tick cannot
 * finish (here it waits for the supervisor's monitor, which the test holds, as a deadlock or a hung call would),
 * the endpoint answers 503 naming the loop, its state and since when, past the loop's 30 s limit; once the tick
 * ends it answers 200 again. Real wall time: the loops run on real threads (about 31 s).
 */
class HealthEndpointIT {
    @TempDir
    Path dir;
    ControlPlane cp;
    ApiServer api;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws Exception {
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, "apps: {}\n");
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        cp.start();
        api = new ApiServer(cp, "127.0.0.1", 0, false);
        api.start();
    }

    @AfterEach
    void tearDown() {
        if (api != null) {
            api.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void aStuckSupervisionLoopMakesHealthAnswer503UntilItsTickEnds() throws Exception {
        assertThat(health().statusCode()).isEqualTo(200);
        long rounds = cp.supervisionRounds();
        HttpResponse<String> unhealthy;
        Instant answeredAt;
        synchronized (cp.supervisor()) {
            unhealthy = awaitStatus(503, Duration.ofSeconds(120));
            answeredAt = Instant.now();
            assertThat(cp.supervisionRounds()).as("no round finished while the tick was stuck")
                    .isLessThanOrEqualTo(rounds + 1);
        }
        JsonNode body = Json.mapper().readTree(unhealthy.body());
        // Not before the loop's limit, counted from the stuck tick's start (the "since" it reports): that tick may
        // have started before the test took the monitor (on a busy machine, seconds before), so the test's own
        // clock cannot bound it from below.
        Instant since = null;
        for (JsonNode p : body.path("problems")) {
            if (p.path("loop").asText().equals("supervisor")) {
                since = Instant.parse(p.path("since").asText());
            }
        }
        assertThat(since).as("the supervisor loop is reported: %s", body).isNotNull();
        assertThat(Duration.between(since, answeredAt)).as("503 not before the loop's 30 s limit")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(body.path("status").asText()).isEqualTo("unhealthy");
        assertThat(body.path("problems")).anySatisfy(p -> {
            assertThat(p.path("loop").asText()).isEqualTo("supervisor");
            assertThat(p.path("state").asText()).isEqualTo("stuck");
            assertThat(p.path("since").asText()).isNotEmpty();
        });
        assertThat(body.path("error").asText()).contains("the supervisor loop is stuck since", "jstack");

        assertThat(awaitStatus(200, Duration.ofSeconds(60)).body()).contains("\"ok\"");
    }

    private HttpResponse<String> awaitStatus(int status, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            HttpResponse<String> r = health();
            if (r.statusCode() == status) {
                return r;
            }
            assertThat(System.nanoTime()).as("waiting for /api/health to answer %d, last: %d %s", status,
                    r.statusCode(), r.body()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api.url() + "/api/health"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
