package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PrometheusSource} against a real Prometheus (Debian's {@code prometheus} package) scraping a tiny exporter
 * in this test every second.
 *
 * <p>Exactness: {@code increase()} extrapolates to the window's edges, so its result is not a whole number of requests
 * and, for windows of a few scrapes, can be far off. The test's templates therefore subtract the raw counters at the
 * window's start ({@code offset {{window}}}) from those at its end, which is exact. The exporter makes the window's
 * edges unambiguous: it switches to the next counter values only right after a scrape has been served and records
 * when that scrape arrived; Prometheus stamps a scrape before sending it, and the next scrape is one interval later,
 * so the latest sample at or before that arrival instant is the one served before the switch.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusSourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(25);
    private static final String[] LE = {"0.05", "0.1", "0.5", "+Inf"};

    @TempDir
    static Path tmp;

    private static HttpServer exporter;
    private static Process prometheus;
    private static Path prometheusLog;
    private static URI prometheusUrl;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Counter values the exporter serves. */
    record Phase(long stableOk, long stableFailed, long canaryOk, long canaryFailed, long[] stableBuckets,
                 long[] canaryBuckets, double stableSumSeconds, double canarySumSeconds) {
        long total() {
            return stableOk + stableFailed + canaryOk + canaryFailed;
        }

        String render() {
            StringBuilder s = new StringBuilder("# TYPE http_requests_total counter\n");
            s.append("http_requests_total{track=\"stable\",status=\"200\"} ").append(stableOk).append('\n');
            s.append("http_requests_total{track=\"stable\",status=\"500\"} ").append(stableFailed).append('\n');
            s.append("http_requests_total{track=\"canary\",status=\"200\"} ").append(canaryOk).append('\n');
            s.append("http_requests_total{track=\"canary\",status=\"503\"} ").append(canaryFailed).append('\n');
            s.append("# TYPE http_request_duration_seconds histogram\n");
            histogram(s, "stable", stableBuckets, stableSumSeconds);
            histogram(s, "canary", canaryBuckets, canarySumSeconds);
            return s.toString();
        }

        private static void histogram(StringBuilder s, String track, long[] cumulative, double sum) {
            for (int i = 0; i < LE.length; i++) {
                s.append("http_request_duration_seconds_bucket{track=\"").append(track).append("\",le=\"")
                        .append(LE[i]).append("\"} ").append(cumulative[i]).append('\n');
            }
            s.append("http_request_duration_seconds_sum{track=\"").append(track).append("\"} ")
                    .append(String.format(Locale.ROOT, "%.3f", sum)).append('\n');
            s.append("http_request_duration_seconds_count{track=\"").append(track).append("\"} ")
                    .append(cumulative[LE.length - 1]).append('\n');
        }
    }

    /** One scrape the exporter served: when it arrived, what it served, and whether it switched phases after. */
    record Served(Instant arrival, Phase phase, boolean switched) {
    }

    private static final Object LOCK = new Object();
    private static Phase current;
    private static Phase pending;
    private static final BlockingQueue<Served> SERVED = new LinkedBlockingQueue<>();

    static final Phase A = new Phase(990, 10, 49, 1, new long[] {500, 900, 990, 1000},
            new long[] {10, 30, 45, 50}, 30.0, 4.25);
    static final Phase B = new Phase(990 + 891, 10 + 9, 49 + 97, 1 + 3, new long[] {1100, 1750, 1880, 1900},
            new long[] {30, 90, 135, 150}, 57.0, 13.75);
    static final Phase C = new Phase(9000, 90, 900, 90, new long[] {5000, 6000, 7000, 9090},
            new long[] {500, 600, 700, 990}, 100.0, 50.0);

    @BeforeAll
    static void startPrometheus() throws Exception {
        String binary = findOnPath("prometheus");
        if (binary == null) {
            fail("The 'prometheus' binary is not on PATH. Install Debian's prometheus package "
                    + "(apt-get install -y prometheus); CI installs it. This test does not skip.");
        }
        current = A;
        exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        exporter.createContext("/metrics", ex -> {
            synchronized (LOCK) {
                Instant arrival = Instant.now();
                Phase served = current;
                byte[] body = served.render().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                boolean switched = pending != null;
                if (switched) {
                    current = pending;
                    pending = null;
                }
                SERVED.add(new Served(arrival, served, switched));
            }
        });
        exporter.start();

        int port = freePort();
        prometheusUrl = URI.create("http://127.0.0.1:" + port);
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: exporter
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(exporter.getAddress().getPort()));
        prometheusLog = tmp.resolve("prometheus.log");
        prometheus = new ProcessBuilder(List.of(binary, "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(prometheusLog.toFile()).start();

        awaitTrue("Prometheus ready and holding phase A's samples",
                () -> rawTotalNow() == A.total());
    }

    @AfterAll
    static void stopAll() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (exporter != null) {
            exporter.stop(0);
        }
    }

    private static PrometheusSource.TrackQueries exactQueries(String track) {
        String requests = "sum(http_requests_total{track=\"%s\"})".formatted(track);
        String errors = "sum(http_requests_total{track=\"%s\",status=~\"5..\"})".formatted(track);
        String buckets = "sum by (le) (http_request_duration_seconds_bucket{track=\"%s\"})".formatted(track);
        String sum = "sum(http_request_duration_seconds_sum{track=\"%s\"})".formatted(track);
        return new PrometheusSource.TrackQueries(difference(requests), difference(errors),
                buckets + " - " + buckets.replace("})", "} offset {{window}})"), difference(sum));
    }

    /** The expression at the window's end minus the same at its start. */
    private static String difference(String aggregate) {
        return aggregate + " - " + aggregate.substring(0, aggregate.length() - 1) + " offset {{window}})";
    }

    private static PrometheusSource source(PrometheusSource.TrackQueries stable,
                                           PrometheusSource.TrackQueries canary) {
        return new PrometheusSource(new PrometheusSource.Config(prometheusUrl, stable, canary, 1000,
                Duration.ofSeconds(5)));
    }

    @Test
    @Order(1)
    void countsHistogramsAndSumsOfAWindowAreExactlyWhatTheExporterServed() throws Exception {
        // Switch A -> B right after a scrape: that scrape's arrival is the window's start.
        synchronized (LOCK) {
            SERVED.clear();
            pending = B;
        }
        Instant start = nextServed(true).arrival();
        assertThat(nextServed(false).phase()).isEqualTo(B);
        synchronized (LOCK) {
            pending = C;
        }
        Served last = nextServed(true);
        assertThat(last.phase()).isEqualTo(B);
        Instant end = last.arrival();
        awaitTrue("Prometheus holding phase C's samples (after the window)", () -> rawTotalNow() == C.total());

        WindowObservation w = source(exactQueries("stable"), exactQueries("canary")).window(start, end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        LatencyHistogram stableHistogram = LatencyHistogram.of(new double[] {50, 100, 500}, new long[] {600, 250, 40, 10});
        LatencyHistogram canaryHistogram = LatencyHistogram.of(new double[] {50, 100, 500}, new long[] {20, 40, 30, 10});
        assertThat(w.stable()).isEqualTo(new TrackWindow(900, 9, 27_000, stableHistogram));
        assertThat(w.canary()).isEqualTo(new TrackWindow(100, 3, 9_500, canaryHistogram));
        assertThat(w.canaryShare()).isEqualTo(0.1);
        // stable's median 37.5 ms, canary's 87.5 ms
        assertThat(w.pairs()).isEqualTo(new LatencyPairs(1, 0));
        assertThat(w.start()).isEqualTo(start);
        assertThat(w.end()).isEqualTo(end);
    }

    @Test
    @Order(2)
    void emptyResultsCountZeroAndNaNIsMissing() {
        Instant end = Instant.now();
        Instant start = end.minusSeconds(30);
        var none = PrometheusSource.TrackQueries.counts("sum(no_such_metric_total)", "sum(no_such_metric_total)");
        WindowObservation empty = source(none, none).window(start, end);
        assertThat(empty.isMissing()).as(empty.sourceError()).isFalse();
        assertThat(empty.stable()).isEqualTo(TrackWindow.NONE);
        assertThat(empty.canaryShare()).isZero();

        var scalar = PrometheusSource.TrackQueries.counts("scalar(sum(http_requests_total))", "vector(0)");
        WindowObservation fromScalar = source(scalar, none).window(start, end);
        assertThat(fromScalar.isMissing()).as(fromScalar.sourceError()).isFalse();
        assertThat(fromScalar.stable().requests()).isEqualTo(rawTotal(end));

        var nan = PrometheusSource.TrackQueries.counts("0/0", "vector(0)");
        WindowObservation missing = source(none, nan).window(start, end);
        assertThat(missing.isMissing()).isTrue();
        assertThat(missing.sourceError()).contains("canary requests").contains("NaN");
    }

    @Test
    @Order(3)
    void badPromQlIsAMissingWindowWithPrometheusErrorText() {
        Instant end = Instant.now();
        var bad = PrometheusSource.TrackQueries.counts("sum(http_requests_total{track=\"stable\"}", "vector(0)");
        WindowObservation w = source(bad, exactQueries("canary")).window(end.minusSeconds(10), end);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("Prometheus rejected the query for stable requests")
                .contains("bad_data").contains("parse error");
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
    }

    @Test
    @Order(4)
    void stoppedPrometheusIsAMissingWindowSayingUnreachable() throws InterruptedException {
        prometheus.destroy();
        assertThat(prometheus.waitFor(15, TimeUnit.SECONDS)).as("Prometheus stopped").isTrue();
        Instant end = Instant.now();

        WindowObservation w = source(exactQueries("stable"), exactQueries("canary")).window(end.minusSeconds(10), end);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("Prometheus unreachable at " + prometheusUrl);
    }

    private static Served nextServed(boolean switched) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            Served s = SERVED.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (s != null && s.switched() == switched) {
                return s;
            }
        }
        throw new AssertionError("exporter was not scraped in time; Prometheus log:\n" + logTail());
    }

    /** sum(http_requests_total) as Prometheus sees it now, -1 while it cannot answer. */
    private static long rawTotalNow() {
        return rawTotal(null);
    }

    /** sum(http_requests_total) as Prometheus sees it at the given time (now when null), -1 when it cannot answer. */
    private static long rawTotal(Instant at) {
        try {
            String uri = prometheusUrl + "/api/v1/query?query="
                    + URLEncoder.encode("sum(http_requests_total)", StandardCharsets.UTF_8)
                    + (at == null ? "" : "&time=" + Templates.epochSeconds(at));
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode result = JSON.readTree(r.body()).path("data").path("result");
            return result.isEmpty() ? -1 : Math.round(Double.parseDouble(result.get(0).path("value").get(1).asText()));
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || !prometheus.isAlive()) {
                throw new AssertionError("timed out waiting for " + what + "; Prometheus log:\n" + logTail());
            }
            Thread.sleep(100); // poll interval, bounded by the deadline
        }
    }

    private static String logTail() {
        try {
            List<String> lines = Files.readAllLines(prometheusLog);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String findOnPath(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path + File.pathSeparator + "/usr/bin")
                .split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
