package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.kubernetes.traffic.IngressNginxMetrics;
import dev.deployguard.rollout.MetricSourceSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default analysis source of a canary behind ingress-nginx ({@link IngressNginxMetrics}) run by
 * {@link PrometheusSource} against a real Prometheus ({@link LocalPrometheus}) scraping
 * {@code nginx_ingress_controller_requests} as ingress-nginx exports it.
 *
 * <p>The exported series are those of ingress-nginx's socket collector: constant labels {@code controller_class},
 * {@code controller_namespace}, {@code controller_pod}, and per request {@code status} (the exact code), {@code method},
 * {@code path}, {@code namespace}, {@code ingress}, {@code service}, {@code canary}, {@code host}. ingress-nginx never
 * builds locations from a canary Ingress: it merges the canary's backend into the app's Ingress's location as an
 * alternative backend. A request the canary served therefore carries the app's Ingress in {@code ingress} and the
 * stable Service in {@code service}; only {@code canary} tells it apart, holding the canary upstream's name
 * ({@code <namespace>-<service>-<port>}); it is empty for requests stable served.
 *
 * <p>Exactness: {@code increase()} extrapolates each series' delta to the window's edges by a factor that depends only
 * on the sample timestamps (the same for every series of one scrape target) as long as no series starts inside the
 * window and every counter is far from 0 (no clamping at zero). The exporter serves a reference counter beside the
 * ingress-nginx series that moves by exactly {@value #REFERENCE_DELTA} in the window; Prometheus' {@code increase()}
 * of it gives that factor, and every count must come out as its true delta times the factor, to the rounding
 * {@link PrometheusSource} does. Every decoy moves by at least 4 requests inside the window and by thousands after it,
 * so counting any of them, a 4xx as an error, or a sample after the window's end cannot pass.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressNginxPrometheusIT {
    private static final String NAMESPACE = "shop";
    private static final String INGRESS = "web";
    private static final String CANARY_UPSTREAM = "shop-web-canary-80";
    private static final String POD_1 = "ingress-nginx-controller-6b9d7c8f54-2xkqp";
    private static final String POD_2 = "ingress-nginx-controller-6b9d7c8f54-w7rzt";
    private static final String REFERENCE = "deployguard_extrapolation_reference_total";
    private static final long REFERENCE_BEFORE = 1_000_000;
    private static final long REFERENCE_DELTA = 1_000_000;
    private static final long AFTER_WINDOW_JUMP = 5_000;

    /** True deltas in the window of the app's Ingress: stable 1% errors, canary 10%. */
    private static final long STABLE_REQUESTS = 1000;
    private static final long STABLE_ERRORS = 10;
    private static final long CANARY_REQUESTS = 100;
    private static final long CANARY_ERRORS = 10;

    /**
     * One {@code nginx_ingress_controller_requests} series: its labels, its value before the window and how much it
     * grows inside the window.
     */
    record Series(String pod, String namespace, String ingress, String service, String canary, String method,
                  String path, String status, long before, long during) {
        boolean app() {
            return namespace.equals(NAMESPACE) && ingress.equals(INGRESS);
        }

        boolean error() {
            return status.startsWith("5");
        }

        String render(long value) {
            return "nginx_ingress_controller_requests{canary=\"" + canary
                    + "\",controller_class=\"k8s.io/ingress-nginx\",controller_namespace=\"ingress-nginx\""
                    + ",controller_pod=\"" + pod + "\",host=\"" + namespace + ".example.com\",ingress=\"" + ingress
                    + "\",method=\"" + method + "\",namespace=\"" + namespace + "\",path=\"" + path
                    + "\",service=\"" + service + "\",status=\"" + status + "\"} " + value + "\n";
        }
    }

    private static Series stable(String pod, String method, String path, String status, long before, long during) {
        return new Series(pod, NAMESPACE, INGRESS, "web", "", method, path, status, before, during);
    }

    private static Series canary(String pod, String method, String path, String status, long before, long during) {
        return new Series(pod, NAMESPACE, INGRESS, "web", CANARY_UPSTREAM, method, path, status, before, during);
    }

    /** Every counter starts far from 0 relative to its delta, so increase() does not clamp its start at zero. */
    static final List<Series> SERIES = List.of(
            stable(POD_1, "GET", "/", "200", 48_000, 480),
            stable(POD_2, "GET", "/", "200", 47_000, 470),
            stable(POD_1, "GET", "/checkout", "304", 2_000, 20),
            stable(POD_2, "GET", "/", "404", 2_000, 20),
            stable(POD_1, "POST", "/checkout", "500", 600, 6),
            stable(POD_2, "GET", "/", "503", 400, 4),
            canary(POD_1, "GET", "/", "200", 4_500, 45),
            canary(POD_2, "GET", "/", "200", 4_000, 40),
            canary(POD_1, "GET", "/", "404", 500, 5),
            canary(POD_2, "POST", "/checkout", "502", 600, 6),
            canary(POD_1, "GET", "/", "503", 400, 4),
            // decoys: the same Ingress name in another namespace
            new Series(POD_1, "other", INGRESS, "web", "", "GET", "/", "200", 30_000, 300),
            new Series(POD_2, "other", INGRESS, "web", "", "GET", "/", "500", 3_000, 30),
            new Series(POD_1, "other", INGRESS, "web", "other-web-canary-80", "GET", "/", "200", 7_000, 70),
            new Series(POD_2, "other", INGRESS, "web", "other-web-canary-80", "GET", "/", "503", 700, 7),
            // decoys: another Ingress in the namespace whose name starts with the app's
            new Series(POD_1, NAMESPACE, "web-admin", "web-admin", "", "GET", "/", "200", 20_000, 200),
            new Series(POD_2, NAMESPACE, "web-admin", "web-admin", "", "GET", "/", "502", 2_000, 20),
            new Series(POD_1, NAMESPACE, "web-admin", "web-admin", "shop-web-admin-canary-80", "GET", "/", "200",
                    5_000, 50),
            new Series(POD_2, NAMESPACE, "web-admin", "web-admin", "shop-web-admin-canary-80", "POST", "/", "500",
                    900, 9));

    @TempDir
    static Path tmp;

    private static LocalPrometheus prometheus;

    @BeforeAll
    static void startPrometheus() throws Exception {
        assertThat(sum(s -> s.app() && s.canary().isEmpty(), Series::during)).isEqualTo(STABLE_REQUESTS);
        assertThat(sum(s -> s.app() && s.canary().isEmpty() && s.error(), Series::during)).isEqualTo(STABLE_ERRORS);
        assertThat(sum(s -> s.app() && !s.canary().isEmpty(), Series::during)).isEqualTo(CANARY_REQUESTS);
        assertThat(sum(s -> s.app() && !s.canary().isEmpty() && s.error(), Series::during)).isEqualTo(CANARY_ERRORS);
        assertThat(SERIES).allSatisfy(s -> assertThat(s.during()).isGreaterThanOrEqualTo(4));

        prometheus = LocalPrometheus.start(tmp, render(0, 0));
        prometheus.awaitTrue("Prometheus holding the samples before the window",
                () -> prometheus.count(REFERENCE, null) == REFERENCE_BEFORE);
    }

    @AfterAll
    static void stopAll() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    /** The exposition text: every counter at its value before the window plus its delta times {@code in}. */
    private static String render(int in, long after) {
        StringBuilder s = new StringBuilder("# HELP nginx_ingress_controller_requests The total number of client requests\n"
                + "# TYPE nginx_ingress_controller_requests counter\n");
        for (Series series : SERIES) {
            s.append(series.render(series.before() + in * series.during() + after));
        }
        s.append("# TYPE ").append(REFERENCE).append(" counter\n");
        s.append(REFERENCE).append(' ').append(REFERENCE_BEFORE + in * REFERENCE_DELTA + after).append('\n');
        return s.toString();
    }

    private static long sum(Predicate<Series> which, ToLongFunction<Series> value) {
        return SERIES.stream().filter(which).mapToLong(value).sum();
    }

    /** The source as the control plane builds it from the spec (RolloutRunner.source). */
    private static PrometheusSource source(MetricSourceSpec spec) {
        return new PrometheusSource(new PrometheusSource.Config(URI.create(spec.url()),
                PrometheusSource.TrackQueries.counts(spec.stableRequests(), spec.stableErrors()),
                PrometheusSource.TrackQueries.counts(spec.canaryRequests(), spec.canaryErrors()), 1000,
                spec.timeout()));
    }

    @Test
    @Order(1)
    void countsStableAndCanaryRequestsAndErrorsOfTheAppsIngressOnly() throws Exception {
        String before = render(0, 0);
        String during = render(1, 0);
        // The window: two scrapes before the counters move, the move, four scrapes after it; it ends on the last of
        // them, and right after that scrape every counter jumps by thousands (outside the window).
        Instant start = prometheus.nextScrapeFromNow().arrival();
        assertThat(prometheus.nextScrape(false).body()).isEqualTo(before);
        prometheus.switchAfterNextScrape(during);
        assertThat(prometheus.nextScrape(true).body()).isEqualTo(before);
        for (int i = 0; i < 3; i++) {
            assertThat(prometheus.nextScrape(false).body()).isEqualTo(during);
        }
        prometheus.switchAfterNextScrape(render(1, AFTER_WINDOW_JUMP));
        LocalPrometheus.Scrape last = prometheus.nextScrape(true);
        assertThat(last.body()).isEqualTo(during);
        Instant end = last.arrival();
        prometheus.awaitTrue("Prometheus holding the samples after the window", () -> prometheus.count(REFERENCE,
                null) == REFERENCE_BEFORE + REFERENCE_DELTA + AFTER_WINDOW_JUMP);

        MetricSourceSpec spec = IngressNginxMetrics.source(prometheus.url().toString(), NAMESPACE, INGRESS);
        WindowObservation w = source(spec).window(start, end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        double factor = prometheus.value(Templates.expand("sum(increase(" + REFERENCE + "[{{window}}]))", start, end),
                end) / REFERENCE_DELTA;
        double seconds = Duration.between(start, end).toMillis() / 1000.0;
        // The samples inside the window span at least its length less two scrape intervals.
        assertThat(factor).as("increase()'s extrapolation factor over %s s", seconds)
                .isGreaterThanOrEqualTo(1.0).isLessThanOrEqualTo(seconds / (seconds - 2.5));
        double rounding = 0.5 + 1e-6;
        assertThat((double) w.stable().requests()).as("stable requests")
                .isCloseTo(STABLE_REQUESTS * factor, within(rounding));
        assertThat((double) w.stable().errors()).as("stable errors")
                .isCloseTo(STABLE_ERRORS * factor, within(rounding));
        assertThat((double) w.canary().requests()).as("canary requests")
                .isCloseTo(CANARY_REQUESTS * factor, within(rounding));
        assertThat((double) w.canary().errors()).as("canary errors")
                .isCloseTo(CANARY_ERRORS * factor, within(rounding));
        assertThat(w.stable().errorRate()).isCloseTo(0.01, within(0.001));
        assertThat(w.canary().errorRate()).isCloseTo(0.10, within(0.01));
        assertThat(w.start()).isEqualTo(start);
        assertThat(w.end()).isEqualTo(end);
    }

    @Test
    @Order(2)
    void anIngressWithoutRequestsIsAMeasuredEmptyWindowNotAnError() {
        Instant end = Instant.now();
        MetricSourceSpec spec = IngressNginxMetrics.source(prometheus.url().toString(), NAMESPACE, "no-such-ingress");

        WindowObservation w = source(spec).window(end.minusSeconds(10), end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
        assertThat(w.canary()).isEqualTo(TrackWindow.NONE);
    }

    @Test
    @Order(3)
    void aPrometheusThatIsDownIsAMissingWindowSayingUnreachable() throws InterruptedException {
        prometheus.stopPrometheus();
        Instant end = Instant.now();
        MetricSourceSpec spec = IngressNginxMetrics.source(prometheus.url().toString(), NAMESPACE, INGRESS);

        WindowObservation w = source(spec).window(end.minusSeconds(30), end);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).startsWith("Prometheus unreachable at " + prometheus.url());
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
        assertThat(w.canary()).isEqualTo(TrackWindow.NONE);
    }
}
