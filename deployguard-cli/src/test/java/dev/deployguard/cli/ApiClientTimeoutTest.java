package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CLI never waits for ever on a control plane that accepted the connection and then went silent (issue 19: a
 * deploy on a full disk hung a whole CI run), while a slow answer inside the limit still arrives.
 */
class ApiClientTimeoutTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        System.clearProperty(ApiClient.TIMEOUT_PROPERTY);
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** Accepts connections and reads nothing, answers nothing: a server whose request threads are all stuck. */
    private String silentServer() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        List<Socket> accepted = new ArrayList<>();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (java.io.IOException closed) {
                accepted.forEach(s -> {
                    try {
                        s.close();
                    } catch (java.io.IOException ignored) {
                        // closing anyway
                    }
                });
            }
        });
        t.setDaemon(true);
        t.start();
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Test
    void aSilentControlPlaneEndsInExitFiveWithWhatToCheck() throws Exception {
        String url = silentServer();
        System.setProperty(ApiClient.TIMEOUT_PROPERTY, "1s");
        ApiClient api = new ApiClient(url, "t", "test");
        for (Runnable call : List.<Runnable>of(() -> api.get("/api/apps/demo/status"),
                () -> api.post("/api/apps/demo/deploy", Map.of("version", "v3")))) {
            long start = System.nanoTime();
            DeployGuardException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> org.junit.jupiter.api.Assertions.assertThrows(DeployGuardException.class, call::run));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(e.getMessage()).contains("the control plane at " + url + " did not answer", "within 1s",
                    "deployguard events", "DEPLOYGUARD_REQUEST_TIMEOUT=");
        }
    }

    @Test
    void aSlowAnswerInsideTheLimitArrives() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/slow", exchange -> {
            LockSupport.parkNanos(Duration.ofMillis(1500).toNanos());
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        open.add(() -> server.stop(0));
        System.setProperty(ApiClient.TIMEOUT_PROPERTY, "10s");
        ApiClient api = new ApiClient("http://127.0.0.1:" + server.getAddress().getPort(), "t", "test");
        assertThat(api.post("/api/slow", Map.of()).path("ok").asBoolean()).isTrue();
        assertThat(api.get("/api/slow").path("ok").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "0s", "-5s", "10"})
    void aMalformedLimitIsBadInput(String value) {
        System.setProperty(ApiClient.TIMEOUT_PROPERTY, value);
        assertThatThrownBy(() -> new ApiClient("http://127.0.0.1:1", "t", "test"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
                    assertThat(e.getMessage()).startsWith("-Ddeployguard.requestTimeout=" + value + ": ");
                });
    }
}
