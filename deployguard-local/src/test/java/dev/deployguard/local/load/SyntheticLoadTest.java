package dev.deployguard.local.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SyntheticLoadTest {
    private HttpServer server;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestURI().getPath() + " synthetic="
                    + exchange.getRequestHeaders().getFirst("X-DeployGuard-Synthetic")
                    + " team=" + exchange.getRequestHeaders().getFirst("X-Team"));
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/boom") ? 503 : 200, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Polls until the condition holds or 10 s pass; returns whether it held. */
    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void sendsMarkedRequestsAtMostAtItsRateAndStopsAfterItsDuration() throws Exception {
        // given 20 requests a second for 1 s to /healthz with a team header
        SyntheticLoad load = new SyntheticLoad(uri("/healthz"), 20, Duration.ofSeconds(1), Map.of("X-Team", "a"))
                .start();
        // when its duration is over
        assertThat(eventually(() -> !load.running())).isTrue();
        assertThat(eventually(() -> seen.size() == load.sent())).isTrue();
        // (the server has seen a request before its answer reaches the load's client: wait for every outcome)
        assertThat(eventually(() -> load.answered() + load.failed() == load.sent())).isTrue();
        // then it sent no more than rate x duration (plus the tick at time 0), every one marked, and no more after
        assertThat(load.sent()).isBetween(1L, 21L);
        assertThat(seen).allMatch(s -> s.equals("/healthz synthetic=1 team=a"));
        assertThat(load.failed()).isZero();
        assertThat(load.answered()).isEqualTo(load.sent());
        long sent = load.sent();
        Thread.sleep(300); // nothing may happen now: a short look that only a broken stop could fail
        assertThat(load.sent()).isEqualTo(sent);
    }

    @Test
    void stopEndsItAtOnceAndServerErrorsCountAsFailed() throws Exception {
        SyntheticLoad load = new SyntheticLoad(uri("/boom"), 50, Duration.ofMinutes(10), Map.of()).start();
        assertThat(eventually(() -> load.failed() >= 3)).isTrue();
        load.stop();
        assertThat(load.running()).isFalse();
        assertThat(eventually(() -> seen.size() == load.sent())).isTrue();
        long sent = load.sent();
        Thread.sleep(300);
        assertThat(load.sent()).isEqualTo(sent);
        assertThat(load.answered()).isZero();
    }

    @Test
    void refusesUnboundedOrOddSettings() {
        assertThatThrownBy(() -> new SyntheticLoad(uri("/"), 5_000, Duration.ofSeconds(1), Map.of()))
                .hasMessageContaining("at most 1000");
        assertThatThrownBy(() -> new SyntheticLoad(uri("/"), 5, Duration.ZERO, Map.of()))
                .hasMessageContaining("duration must be positive");
        assertThatThrownBy(() -> new SyntheticLoad(URI.create("ftp://127.0.0.1/"), 5, Duration.ofSeconds(1),
                Map.of())).hasMessageContaining("http URL");
    }
}
