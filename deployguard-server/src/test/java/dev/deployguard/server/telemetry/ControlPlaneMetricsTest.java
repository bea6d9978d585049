package dev.deployguard.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Evidence;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.router.RouterMetrics;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.AnalysisWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code /metrics} writes for known inputs: router windows summed exactly into counters and histogram buckets
 * (each window once, only complete ones), an analysis look's evidence, rollbacks with their detection time,
 * checklist results; and every DeployGuard metric family it writes is documented in docs/metrics.md and every
 * series the Grafana dashboard reads exists.
 */
class ControlPlaneMetricsTest {
    @TempDir
    Path dir;
    ControlPlane cp;
    ControlPlaneMetrics metrics;

    @BeforeEach
    void setUp() throws Exception {
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, "apps: {}\n");
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        metrics = new ControlPlaneMetrics(cp, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        cp.close();
    }

    private static RouterMetrics.Window window(long start, long requests, long errors, long... buckets) {
        List<Long> b = new ArrayList<>();
        for (long x : buckets) {
            b.add(x);
        }
        while (b.size() < RouterMetrics.Window.BUCKET_BOUNDS_MILLIS.length + 1) {
            b.add(0L);
        }
        return new RouterMetrics.Window(start, requests, errors, 0, 0, requests * 3000, b, 0, 0, List.of());
    }

    private static RouterMetrics router(RouterMetrics.Window... windows) {
        var t = new RouterMetrics.TrackMetrics("canary", 2, 0, new RouterMetrics.StatusCounts(0, 0, 0, 0), 0,
                RouterMetrics.Latency.NONE, List.of(windows));
        return new RouterMetrics(1, List.of(t), Map.of(), List.of());
    }

    @Test
    void routerWindowsAreCountedOnceAndOnlyWhenComplete() {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        RouterTraffic traffic = new RouterTraffic(registry);
        registry.getPrometheusRegistry().register(traffic);
        // Two complete windows and one still filling at now = 12_500 ms.
        RouterMetrics first = router(window(10_000, 10, 1, 4, 6), window(11_000, 5, 0, 5),
                window(12_000, 7, 7, 0, 0, 7));
        traffic.add("web", first, 12_500);
        // The next scrape sees the same windows again, plus the third now complete.
        traffic.add("web", first, 13_100);
        traffic.add("web", first, 13_200);
        String text = registry.scrape();
        assertThat(text).contains("deployguard_router_requests_total{app=\"web\",revision=\"2\",track=\"canary\"} 22.0");
        assertThat(text).contains("deployguard_router_errors_total{app=\"web\",revision=\"2\",track=\"canary\"} 8.0");
        // Buckets are cumulative in the text format: 4+5 at 5 ms, 9+6 at 10 ms, all 22 from 25 ms on.
        assertThat(text).contains("deployguard_router_request_duration_seconds_bucket{app=\"web\",revision=\"2\","
                + "track=\"canary\",le=\"0.005\"} 9");
        assertThat(text).contains("le=\"0.01\"} 15");
        assertThat(text).contains("le=\"0.025\"} 22");
        assertThat(text).contains("le=\"+Inf\"} 22");
        assertThat(text).contains("deployguard_router_request_duration_seconds_count{app=\"web\",revision=\"2\","
                + "track=\"canary\"} 22");
        Matcher sum = Pattern.compile("deployguard_router_request_duration_seconds_sum\\{[^}]*} (\\S+)")
                .matcher(text);
        assertThat(sum.find()).isTrue();
        assertThat(Double.parseDouble(sum.group(1))).isCloseTo(0.066, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void verdictsRollbacksAndChecklistsBecomeSeries() {
        Instant t0 = Instant.parse("2026-12-07T08:00:00Z");
        var evidence = new Evidence("errors", Verdict.FAIL, 3.5, 1.2, 250, 400, 1600, "error ratio 3.5");
        var look = new AnalysisWindow("web", null, null, new Judgement("sequential", Verdict.FAIL, t0,
                t0.plusSeconds(42), List.of(evidence), "errors"), null);
        metrics.verdicts.accept(look); // as RolloutRunner.onAnalysis hands it over
        cp.events().record("web", 2, "system", EventKinds.ROLLBACK_AUTOMATIC, "rolled back",
                Map.of("detectSeconds", 42.0, "switchMillis", 3));
        cp.events().record("web", 3, "ci", EventKinds.ROLLBACK_SUCCEEDED, "rolled back", Map.of("switchMillis", 5));
        cp.events().record("web", null, "ci", EventKinds.CHECKS_FAILED, "NOT READY",
                Map.of("checks", Map.of("signature", "FAIL", "registry", "PASS")));
        String text = metrics.scrape();
        assertThat(text).contains("deployguard_analysis_value{app=\"web\",judge=\"sequential\",metric=\"errors\"} 3.5")
                .contains("deployguard_analysis_bound{app=\"web\",judge=\"sequential\",metric=\"errors\"} 1.2")
                .contains("deployguard_analysis_evalue{app=\"web\",judge=\"sequential\",metric=\"errors\"} 250.0")
                .contains("deployguard_analysis_samples{app=\"web\",judge=\"sequential\",metric=\"errors\","
                        + "track=\"canary\"} 400.0")
                .contains("deployguard_analysis_verdict{app=\"web\",judge=\"sequential\",metric=\"errors\"} -1.0")
                .contains("deployguard_analysis_looks_total{app=\"web\",judge=\"sequential\",verdict=\"FAIL\"} 1.0")
                .contains("deployguard_rollbacks_total{app=\"web\",trigger=\"automatic\"} 1.0")
                .contains("deployguard_rollbacks_total{app=\"web\",trigger=\"operator\"} 1.0")
                .contains("deployguard_rollback_detection_seconds_count{app=\"web\"} 1")
                .contains("deployguard_rollback_detection_seconds_bucket{app=\"web\",le=\"60.0\"} 1")
                .contains("deployguard_rollback_detection_seconds_bucket{app=\"web\",le=\"30.0\"} 0")
                .contains("deployguard_rollback_switch_seconds_count{app=\"web\"} 2")
                .contains("deployguard_checklist_ready{app=\"web\"} 0.0")
                .contains("deployguard_check_results_total{app=\"web\",check=\"signature\",status=\"FAIL\"} 1.0")
                .contains("deployguard_checklists_total{app=\"web\",result=\"failed\"} 1.0")
                .contains("deployguard_control_plane_healthy 1.0");
    }

    @Test
    void everyMetricFamilyIsDocumentedAndEveryDashboardSeriesExists() throws Exception {
        metrics.apiRequest(null, 404);
        String text = metrics.scrape();
        String docs = Files.readString(Path.of("..", "docs", "metrics.md"));
        Matcher m = Pattern.compile("(?m)^# TYPE (deployguard_[a-z_]+) ").matcher(text);
        var families = new TreeSet<String>();
        while (m.find()) {
            families.add(m.group(1));
        }
        assertThat(families).contains("deployguard_control_plane_healthy", "deployguard_api_requests_total");
        for (String f : families) {
            assertThat(docs).as("docs/metrics.md documents " + f).contains("`" + f + "`");
        }
        // Every deployguard_ series the dashboard reads is one docs/metrics.md lists.
        String dashboard = Files.readString(Path.of("..", "deploy", "grafana", "deployguard.json"));
        Matcher d = Pattern.compile("(deployguard_[a-z_]+?)(_bucket|_max)?[{\\[ )]").matcher(dashboard);
        int seen = 0;
        while (d.find()) {
            seen++;
            assertThat(docs).as("docs/metrics.md lists " + d.group(1)).contains("`" + d.group(1) + "`");
        }
        assertThat(seen).isGreaterThan(10);
    }
}
