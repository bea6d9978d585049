package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link WebSource} against a real HTTP server on 127.0.0.1. */
class WebSourceTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant END = START.plusSeconds(30);
    private static final String GOOD = """
            {"stable": {"requests": 900, "errors": 9},
             "canary": {"requests": 100.0, "errors": 3},
             "data": [{"value": 7}, {"value": "seven"}]}
            """;

    private static HttpServer server;
    private static ExecutorService executor;
    private static final CountDownLatch RELEASE_SLOW = new CountDownLatch(1);
    private static final ConcurrentHashMap<String, String> SEEN = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/good", ex -> {
            SEEN.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            SEEN.put("query", String.valueOf(ex.getRequestURI().getRawQuery()));
            respond(ex, 200, GOOD);
        });
        server.createContext("/fail", ex -> respond(ex, 500, "{\"message\": \"backend exploded\"}"));
        server.createContext("/malformed", ex -> respond(ex, 200, "{\"stable\": {\"requests\": 9"));
        server.createContext("/slow", ex -> {
            try {
                RELEASE_SLOW.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, 200, GOOD);
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        RELEASE_SLOW.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static WebSource source(String path, String canaryErrors, Duration timeout) {
        return new WebSource(new WebSource.Config(url(path), "s3cret", "$.stable.requests", "$.stable.errors",
                "$.canary.requests", canaryErrors, timeout));
    }

    private static WebSource source(String path, String canaryErrors) {
        return source(path, canaryErrors, Duration.ofSeconds(5));
    }

    @Test
    void readsCountsFromJsonWithBearerTokenAndWindowPlaceholders() {
        WindowObservation w = source("/good?from={{start}}&to={{end}}&w={{window}}", "$.canary.errors")
                .window(START, END);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        assertThat(w.stable()).isEqualTo(TrackWindow.counts(900, 9));
        assertThat(w.canary()).isEqualTo(TrackWindow.counts(100, 3));
        assertThat(w.canaryShare()).isEqualTo(0.1);
        assertThat(SEEN.get("auth")).isEqualTo("Bearer s3cret");
        assertThat(SEEN.get("query")).isEqualTo("from=1767225600&to=1767225630&w=30s");
    }

    @Test
    void arrayIndexPathsWork() {
        WindowObservation w = source("/good", "data[0].value").window(START, END);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        assertThat(w.canary()).isEqualTo(TrackWindow.counts(100, 7));
    }

    @Test
    void non2xxIsAMissingWindowWithStatusAndBody() {
        WindowObservation w = source("/fail", "$.canary.errors").window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("HTTP 500").contains("backend exploded");
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
    }

    @Test
    void malformedJsonIsAMissingWindow() {
        WindowObservation w = source("/malformed", "$.canary.errors").window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("malformed JSON");
    }

    @Test
    void missingPathIsAMissingWindowNamingTheStep() {
        WindowObservation w = source("/good", "$.canary.failures").window(START, END);
        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("$.canary.failures").contains("canary errors")
                .contains("$.canary has no field 'failures'");

        WindowObservation outOfRange = source("/good", "data[5].value").window(START, END);
        assertThat(outOfRange.sourceError()).contains("$.data has 2 elements, no [5]");
    }

    @Test
    void nonNumberIsAMissingWindow() {
        WindowObservation w = source("/good", "data[1].value").window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("data[1].value").contains("a string").contains("not a number");
    }

    @Test
    void errorsAboveRequestsIsAMissingWindow() {
        WindowObservation w = new WebSource(new WebSource.Config(url("/good"), null, "$.stable.errors",
                "$.stable.requests", "$.canary.requests", "$.canary.errors", Duration.ofSeconds(5)))
                .window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("stable errors (900").contains("exceed");
    }

    @Test
    void timeoutIsAMissingWindow() {
        // /slow holds the request until the class is done (or 10 s): an answer would not be a missing window.
        WindowObservation w = source("/slow", "$.canary.errors", Duration.ofMillis(300)).window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("timed out after 300 ms");
    }

    @Test
    void unreachableIsAMissingWindow() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        WindowObservation w = new WebSource(new WebSource.Config("http://127.0.0.1:" + port + "/m", null,
                "a", "b", "c", "d", Duration.ofSeconds(2))).window(START, END);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("unreachable");
    }

    @Test
    void pathsOutsideTheSubsetAreRejectedUpFront() {
        assertThatThrownBy(() -> JsonPath.parse("$.a[x]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.parse("$.a..b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.parse("$.a[0")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JsonPath.parse("$").toString()).isEqualTo("$");
    }
}
