package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rollback} follows a rollback the control plane carries out on its ticks (a Kubernetes blue/green slot
 * started again) and prints its outcome, against a stand-in control plane on loopback whose answers change as a
 * real one's do: the rollout prepares for a few polls, then the rollback's event appears.
 */
class RollbackFollowTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Status shows the rollback preparing for {@code polls} status reads, then {@code end} as its last event. */
    private ApiClient controlPlane(int polls, String end) throws Exception {
        AtomicInteger reads = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            boolean done = reads.get() >= polls;
            String body;
            if (path.endsWith("/status")) {
                reads.incrementAndGet();
                body = done ? "{\"rollout\":{\"canaryRevision\":3,\"phase\":\"SUCCEEDED\"}}"
                        : "{\"rollout\":{\"canaryRevision\":3,\"phase\":\"PROGRESSING\",\"waiting\":{\"for\":\"prepare\"}}}";
            } else {
                body = "{\"events\":[{\"kind\":\"rollback.started\",\"revision\":3,\"message\":\"rolling back\"}"
                        + (done ? ",{\"kind\":\"" + end + "\",\"revision\":3,\"message\":\"" + end + " text\"}" : "")
                        + "]}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return new ApiClient("http://127.0.0.1:" + server.getAddress().getPort(), "t", "carol");
    }

    private static JsonNode answer(String message) throws Exception {
        return JSON.readTree("{\"release\":{\"revision\":3},\"message\":" + JSON.writeValueAsString(message) + "}");
    }

    @Test
    void aPreparingRollbackIsFollowedToItsSuccessAndItsMessageIsPrinted() throws Exception {
        ApiClient api = controlPlane(3, "rollback.succeeded");

        JsonNode done = RollbackFollow.await(api, "web", answer("rolling back web to v1 (revision 3) in slot blue;"
                + " preparing: waiting for slot blue\nschema: all expand"));

        assertThat(done.path("message").asText()).isEqualTo("rollback.succeeded text\nschema: all expand");
        assertThat(done.path("release").path("revision").asInt()).isEqualTo(3);
    }

    @Test
    void aFailedRollbackExitsThreeWithItsEventsWords() throws Exception {
        ApiClient api = controlPlane(2, "rollback.failed");

        assertThatThrownBy(() -> RollbackFollow.await(api, "web", answer("rolling back ...; preparing: waiting")))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
                    assertThat(e.getMessage()).isEqualTo("rollback.failed text");
                });
    }

    @Test
    void aRollbackThatEndedInTheRequestIsAnsweredAsItIs() throws Exception {
        ApiClient api = controlPlane(0, "rollback.succeeded");
        JsonNode warm = answer("rolled back web to v1 (revision 3): warm switch took 4 ms");

        assertThat(RollbackFollow.await(api, "web", warm)).isSameAs(warm);
    }
}
