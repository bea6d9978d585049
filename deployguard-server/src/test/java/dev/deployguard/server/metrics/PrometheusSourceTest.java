package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PrometheusSource} against a real Prometheus (Debian's {@code prometheus} package) scraping a tiny exporter
 * in this test every second ({@link LocalPrometheus}).
 *
 * <p>Exactness: {@code increase()} extrapolates to the window's edges, so its result is not a whole number of requests
 * and, for windows of a few scrapes, can be far off. The test's templates therefore subtract the raw counters at the
 * window's start ({@code offset {{window}}}) from those at its end, which is exact. The exporter makes the window's
 * edges unambiguous: it switches to the next counter values only right after a scrape has been served and records
 * when that scrape arrived; Prometheus stamps a scrape before sending it, and the next scrape is one interval later,
 * so the latest sample at or before that arrival instant is the one served before the switch.
 * {@code IngressNginxPrometheusIT} covers the {@code increase()} queries of the ingress-nginx default source.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusSourceTest {
    private static final String[] LE = {"0.05", "0.1", "0.5", "+Inf"};

    @TempDir
    static Path tmp;

    private static LocalPrometheus prometheus;

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

    static final Phase A = new Phase(990, 10, 49, 1, new long[] {500, 900, 990, 1000},
            new long[] {10, 30, 45, 50}, 30.0, 4.25);
    static final Phase B = new Phase(990 + 891, 10 + 9, 49 + 97, 1 + 3, new long[] {1100, 1750, 1880, 1900},
            new long[] {30, 90, 135, 150}, 57.0, 13.75);
    static final Phase C = new Phase(9000, 90, 900, 90, new long[] {5000, 6000, 7000, 9090},
            new long[] {500, 600, 700, 990}, 100.0, 50.0);

    @BeforeAll
    static void startPrometheus() throws Exception {
        prometheus = LocalPrometheus.start(tmp, A.render());
        prometheus.awaitTrue("Prometheus holding phase A's samples", () -> rawTotalNow() == A.total());
    }

    @AfterAll
    static void stopAll() {
        if (prometheus != null) {
            prometheus.close();
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
        return new PrometheusSource(new PrometheusSource.Config(prometheus.url(), stable, canary, 1000,
                Duration.ofSeconds(5)));
    }

    @Test
    @Order(1)
    void countsHistogramsAndSumsOfAWindowAreExactlyWhatTheExporterServed() throws Exception {
        // Switch A -> B right after a scrape: that scrape's arrival is the window's start.
        prometheus.switchAfterNextScrape(B.render());
        Instant start = prometheus.nextScrape(true).arrival();
        assertThat(prometheus.nextScrape(false).body()).isEqualTo(B.render());
        prometheus.switchAfterNextScrape(C.render());
        LocalPrometheus.Scrape last = prometheus.nextScrape(true);
        assertThat(last.body()).isEqualTo(B.render());
        Instant end = last.arrival();
        prometheus.awaitTrue("Prometheus holding phase C's samples (after the window)",
                () -> rawTotalNow() == C.total());

        WindowObservation w = source(exactQueries("stable"), exactQueries("canary")).window(start, end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        LatencyHistogram stableHistogram = LatencyHistogram.of(new double[] {50, 100, 500}, new long[] {600, 250, 40, 10});
        LatencyHistogram canaryHistogram = LatencyHistogram.of(new double[] {50, 100, 500}, new long[] {20, 40, 30, 10});
        assertThat(w.stable()).isEqualTo(new TrackWindow(900, 9, 27_000, stableHistogram));
        assertThat(w.canary()).isEqualTo(new TrackWindow(100, 3, 9_500, canaryHistogram));
        assertThat(w.canaryShare()).isEqualTo(0.1);
        // stable's median 37.5 ms, canary's 87.5 ms
        assertThat(w.pairs()).isEqualTo(LatencyPairs.sampled(new double[] {87.5, 37.5}));
        assertThat(w.pairs().count(dev.deployguard.analysis.LatencyComparison.STRICT)).containsExactly(1, 0);
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
        prometheus.stopPrometheus();
        Instant end = Instant.now();

        WindowObservation w = source(exactQueries("stable"), exactQueries("canary")).window(end.minusSeconds(10), end);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).contains("Prometheus unreachable at " + prometheus.url());
    }

    /** sum(http_requests_total) as Prometheus sees it now, -1 while it cannot answer. */
    private static long rawTotalNow() {
        return rawTotal(null);
    }

    /** sum(http_requests_total) as Prometheus sees it at the given time (now when null), -1 when it cannot answer. */
    private static long rawTotal(Instant at) {
        return prometheus.count("sum(http_requests_total)", at);
    }
}
