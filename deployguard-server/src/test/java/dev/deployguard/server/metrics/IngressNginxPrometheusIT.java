package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.kubernetes.traffic.IngressNginxMetrics;
import dev.deployguard.rollout.MetricSourceSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
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
 * <p>The series carry the labels of ingress-nginx's socket collector: constant {@code controller_class},
 * {@code controller_namespace}, {@code controller_pod}, and per request {@code status} (the exact code),
 * {@code method}, {@code path}, {@code namespace}, {@code ingress}, {@code service}, {@code canary}, {@code host}.
 * ingress-nginx builds no location from a canary Ingress; it merges the canary's backend into the app's Ingress's
 * location as an alternative backend, whose {@code $ingress_name} and {@code $service_name} are the app's Ingress and
 * stable Service. A request the canary served therefore carries the app's Ingress in {@code ingress} and the stable
 * Service in {@code service}; only {@code canary} tells it apart, holding the canary upstream's name
 * ({@code <namespace>-<service>-<port>}); it is empty for requests stable served.
 *
 * <p>The window: two scrapes before the counters move, then every counter of the fixture moves at once (one series
 * is born, one is reset as by a restarted controller), four scrapes after the move, and right after the last of them
 * (the window's end) every counter jumps by thousands. Every decoy moves by at least 4 inside the window, so counting
 * one, a 4xx as an error, or a sample after the window cannot give the exact counts asserted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressNginxPrometheusIT {
    private static final String NAMESPACE = "shop";
    private static final String INGRESS = "web";
    private static final String CANARY_UPSTREAM = "shop-web-canary-80";
    private static final String POD_1 = "ingress-nginx-controller-6b9d7c8f54-2xkqp";
    private static final String POD_2 = "ingress-nginx-controller-6b9d7c8f54-w7rzt";
    private static final long AFTER_WINDOW_JUMP = 5_000;

    /** True counts in the window through the app's Ingress: stable 1% errors, canary 10%. */
    private static final TrackWindow STABLE = TrackWindow.counts(1000, 10);
    private static final TrackWindow CANARY = TrackWindow.counts(100, 10);

    /** How a series lives through the window. */
    enum Life {
        /** Grows by its delta. */
        GROWS,
        /** First exported inside the window (its first request), at its delta. */
        BORN,
        /** Its controller restarted inside the window: the counter starts again from 0 and reaches its delta. */
        RESET
    }

    /**
     * One {@code nginx_ingress_controller_requests} series: its labels, its value before the window and how many
     * requests it counts inside the window.
     */
    record Series(String pod, String namespace, String ingress, String service, String canary, String method,
                  String path, String status, long before, long delta, Life life) {
        boolean app() {
            return namespace.equals(NAMESPACE) && ingress.equals(INGRESS);
        }

        boolean error() {
            return status.startsWith("5");
        }

        /** The exposition line before ({@code moved} false) or after the move, plus {@code after}; "" if absent. */
        String render(boolean moved, long after) {
            if (!moved && life == Life.BORN) {
                return "";
            }
            long value = !moved ? before : (life == Life.GROWS ? before : 0) + delta + after;
            return "nginx_ingress_controller_requests{canary=\"" + canary
                    + "\",controller_class=\"k8s.io/ingress-nginx\",controller_namespace=\"ingress-nginx\""
                    + ",controller_pod=\"" + pod + "\",host=\"" + namespace + ".example.com\",ingress=\"" + ingress
                    + "\",method=\"" + method + "\",namespace=\"" + namespace + "\",path=\"" + path
                    + "\",service=\"" + service + "\",status=\"" + status + "\"} " + value + "\n";
        }
    }

    private static Series stable(String pod, String method, String path, String status, long before, long delta,
                                 Life life) {
        return new Series(pod, NAMESPACE, INGRESS, "web", "", method, path, status, before, delta, life);
    }

    private static Series canary(String pod, String method, String path, String status, long before, long delta,
                                 Life life) {
        return new Series(pod, NAMESPACE, INGRESS, "web", CANARY_UPSTREAM, method, path, status, before, delta, life);
    }

    private static Series decoy(String namespace, String ingress, String canary, String status, long delta) {
        return new Series(POD_1, namespace, ingress, ingress, canary, "GET", "/", status, 100 * delta, delta,
                Life.GROWS);
    }

    static final List<Series> SERIES = List.of(
            stable(POD_1, "GET", "/", "200", 48_000, 480, Life.GROWS),
            stable(POD_2, "GET", "/", "200", 47_000, 470, Life.GROWS),
            stable(POD_1, "GET", "/checkout", "304", 2_000, 20, Life.GROWS),
            stable(POD_2, "GET", "/", "404", 2_000, 20, Life.RESET),
            stable(POD_1, "POST", "/checkout", "500", 600, 6, Life.GROWS),
            stable(POD_2, "GET", "/", "503", 400, 4, Life.GROWS),
            canary(POD_1, "GET", "/", "200", 4_500, 45, Life.GROWS),
            canary(POD_2, "GET", "/", "200", 4_000, 40, Life.GROWS),
            canary(POD_1, "GET", "/", "404", 500, 5, Life.GROWS),
            canary(POD_2, "POST", "/checkout", "502", 300, 3, Life.GROWS),
            canary(POD_1, "GET", "/", "503", 400, 4, Life.GROWS),
            canary(POD_2, "GET", "/", "504", 0, 3, Life.BORN),
            // the same Ingress name in another namespace
            decoy("other", INGRESS, "", "200", 300),
            decoy("other", INGRESS, "", "500", 30),
            decoy("other", INGRESS, "other-web-canary-80", "200", 70),
            decoy("other", INGRESS, "other-web-canary-80", "503", 7),
            // another Ingress of the namespace, its name starting with the app's
            decoy(NAMESPACE, "web-admin", "", "200", 200),
            decoy(NAMESPACE, "web-admin", "", "502", 20),
            decoy(NAMESPACE, "web-admin", "shop-web-admin-canary-80", "200", 50),
            decoy(NAMESPACE, "web-admin", "shop-web-admin-canary-80", "500", 9));

    @TempDir
    static Path tmp;

    private static LocalPrometheus prometheus;
    private static Instant start;
    private static Instant moved;
    private static Instant end;

    @BeforeAll
    static void scrapeAWindowWhereTheCountersMove() throws Exception {
        assertThat(count(s -> s.canary().isEmpty())).isEqualTo(STABLE);
        assertThat(count(s -> !s.canary().isEmpty())).isEqualTo(CANARY);
        assertThat(SERIES).allSatisfy(s -> assertThat(s.delta()).isGreaterThanOrEqualTo(3));

        String before = render(false, 0);
        String during = render(true, 0);
        prometheus = LocalPrometheus.start(tmp, before);
        start = prometheus.nextScrapeFromNow().arrival();
        assertThat(prometheus.nextScrape(false).body()).isEqualTo(before);
        prometheus.switchAfterNextScrape(during);
        LocalPrometheus.Scrape lastBefore = prometheus.nextScrape(true);
        assertThat(lastBefore.body()).isEqualTo(before);
        moved = lastBefore.arrival();
        for (int i = 0; i < 3; i++) {
            assertThat(prometheus.nextScrape(false).body()).isEqualTo(during);
        }
        prometheus.switchAfterNextScrape(render(true, AFTER_WINDOW_JUMP));
        LocalPrometheus.Scrape last = prometheus.nextScrape(true);
        assertThat(last.body()).isEqualTo(during);
        end = last.arrival();
        String born = "nginx_ingress_controller_requests{status=\"504\"}";
        prometheus.awaitTrue("Prometheus holding the samples after the window",
                () -> prometheus.count(born, null) == 3 + AFTER_WINDOW_JUMP);
    }

    @AfterAll
    static void stopAll() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    /** Requests and errors in the window through the app's Ingress of the series {@code which} selects. */
    private static TrackWindow count(Predicate<Series> which) {
        List<Series> selected = SERIES.stream().filter(s -> s.app() && which.test(s)).toList();
        return TrackWindow.counts(selected.stream().mapToLong(Series::delta).sum(),
                selected.stream().filter(Series::error).mapToLong(Series::delta).sum());
    }

    private static String render(boolean moved, long after) {
        StringBuilder s = new StringBuilder("# HELP nginx_ingress_controller_requests The total number of client"
                + " requests\n# TYPE nginx_ingress_controller_requests counter\n");
        SERIES.forEach(series -> s.append(series.render(moved, after)));
        return s.toString();
    }

    /** The source as the control plane builds it from the spec (RolloutRunner.source). */
    private static PrometheusSource source(String ingress) {
        MetricSourceSpec spec = IngressNginxMetrics.source(prometheus.url().toString(), NAMESPACE, ingress);
        return new PrometheusSource(new PrometheusSource.Config(URI.create(spec.url()),
                PrometheusSource.TrackQueries.counts(spec.stableRequests(), spec.stableErrors()),
                PrometheusSource.TrackQueries.counts(spec.canaryRequests(), spec.canaryErrors()), 1000,
                spec.timeout()));
    }

    @Test
    @Order(1)
    void countsExactlyTheStableAndCanaryRequestsAndErrorsOfTheAppsIngress() {
        WindowObservation w = source(INGRESS).window(start, end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        assertThat(w.stable()).isEqualTo(STABLE);
        assertThat(w.canary()).isEqualTo(CANARY);
        assertThat(w.stable().errorRate()).isEqualTo(0.01);
        assertThat(w.canary().errorRate()).isEqualTo(0.10);
        assertThat(w.start()).isEqualTo(start);
        assertThat(w.end()).isEqualTo(end);
    }

    @Test
    @Order(2)
    void consecutiveWindowsShorterThanTheScrapeIntervalAddUpExactly() {
        // 300 ms windows: most hold no scrape at all, so increase() would count nothing in any of them.
        PrometheusSource source = source(INGRESS);
        List<WindowObservation> windows = new ArrayList<>();
        for (Instant from = start; from.isBefore(end); ) {
            Instant to = from.plusMillis(300).isBefore(end) ? from.plusMillis(300) : end;
            windows.add(source.window(from, to));
            from = to;
        }

        TrackWindow stable = TrackWindow.counts(0, 0);
        TrackWindow canary = TrackWindow.counts(0, 0);
        List<WindowObservation> counting = new ArrayList<>();
        for (WindowObservation w : windows) {
            assertThat(w.isMissing()).as(w.sourceError()).isFalse();
            stable = stable.plus(w.stable());
            canary = canary.plus(w.canary());
            if (w.stable().requests() > 0 || w.canary().requests() > 0) {
                counting.add(w);
            }
        }
        assertThat(windows).hasSizeGreaterThan(10);
        assertThat(stable).isEqualTo(STABLE);
        assertThat(canary).isEqualTo(CANARY);
        // all of it in the one window holding the first scrape after the move
        assertThat(counting).singleElement().satisfies(w -> {
            assertThat(w.start()).isBefore(moved.plusSeconds(2));
            assertThat(w.end()).isAfter(moved);
        });
    }

    @Test
    @Order(3)
    void anIngressWithoutRequestsIsAMeasuredEmptyWindowNotAnError() {
        WindowObservation w = source("no-such-ingress").window(start, end);

        assertThat(w.isMissing()).as(w.sourceError()).isFalse();
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
        assertThat(w.canary()).isEqualTo(TrackWindow.NONE);
    }

    @Test
    @Order(4)
    void aPrometheusThatIsDownIsAMissingWindowSayingUnreachable() throws InterruptedException {
        prometheus.stopPrometheus();

        WindowObservation w = source(INGRESS).window(start, end);

        assertThat(w.isMissing()).isTrue();
        assertThat(w.sourceError()).startsWith("Prometheus unreachable at " + prometheus.url());
        assertThat(w.stable()).isEqualTo(TrackWindow.NONE);
        assertThat(w.canary()).isEqualTo(TrackWindow.NONE);
    }
}
