package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricGate;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.MetricStatus;
import dev.deployguard.rollout.Step;
import dev.deployguard.spec.Spec;
import dev.deployguard.spec.SpecParser;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom metrics measured through a real Prometheus ({@link LocalPrometheus}) scraping an exporter in the test that
 * serves cAdvisor's and ingress-nginx's series as a cluster would: the metrics are parsed from a spec, measured by
 * the production query path ({@link ProviderQueries}, {@link ContainerResources}) and judged by {@link MetricGate}
 * as the rollout runner judges them.
 *
 * <p>The fixture: first text A, then every counter moves once (text B): stable's containers use 2 CPU s for 1000
 * requests, the canary's 2 CPU s for 100 requests — 10 times stable's CPU per request. Both tracks' counters are
 * scraped together, so {@code increase()}'s extrapolation scales CPU and requests of one track alike and the per-request
 * values are exact.
 */
class CustomMetricsPrometheusIT {
    private static final String STABLE_POD = "web-5d9f8b7c4-x2kqp";
    private static final String CANARY_POD = "web-canary-7c8d9f6b5-w7rzt";
    private static final String OTHER_POD = "webshop-6f7d8c9b4-abcde"; // shares the prefix; must not be counted

    @TempDir
    static Path dir;
    static LocalPrometheus prometheus;

    static String text(double stableCpu, double canaryCpu, long stableRequests, long canaryRequests) {
        return """
                # TYPE container_cpu_usage_seconds_total counter
                container_cpu_usage_seconds_total{namespace="shop",pod="%s",container="web"} %s
                container_cpu_usage_seconds_total{namespace="shop",pod="%s",container="web"} %s
                container_cpu_usage_seconds_total{namespace="shop",pod="%s",container="web"} %s
                container_cpu_usage_seconds_total{namespace="shop",pod="%s",container="POD"} %s
                # TYPE container_memory_working_set_bytes gauge
                container_memory_working_set_bytes{namespace="shop",pod="%s",container="web"} 104857600
                container_memory_working_set_bytes{namespace="shop",pod="%s",container="web"} 104857600
                # TYPE nginx_ingress_controller_requests counter
                nginx_ingress_controller_requests{namespace="shop",ingress="web",canary="",status="200"} %d
                nginx_ingress_controller_requests{namespace="shop",ingress="web",canary="shop-web-canary-80",status="200"} %d
                """.formatted(STABLE_POD, stableCpu, CANARY_POD, canaryCpu, OTHER_POD, stableCpu * 7, STABLE_POD,
                canaryCpu * 5, STABLE_POD, CANARY_POD, stableRequests, canaryRequests);
    }

    @BeforeAll
    static void start() throws Exception {
        prometheus = LocalPrometheus.start(dir, text(10, 5, 1000, 100));
        prometheus.awaitTrue("the first samples", () -> prometheus.count(
                "count(nginx_ingress_controller_requests)", null) == 2);
        prometheus.switchAfterNextScrape(text(12, 7, 2000, 200));
        prometheus.nextScrape(true);
        prometheus.awaitTrue("the moved counters", () -> prometheus.value(
                "nginx_ingress_controller_requests{canary!=\"\"}", null) == 200);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    /** The step metrics of an app spec whose analysis step lists {@code metricsYaml}. */
    static List<MetricDefinition> metrics(String metricsYaml) {
        Spec spec = new SpecParser().parse("""
                version: 1
                apps:
                  web:
                    platform: {local: {command: [./web, "${port}"], listen: "127.0.0.1:8080"}}
                    strategy:
                      canary:
                        steps:
                          - setWeight: 10
                          - analysis:
                              metrics:
                %s
                """.formatted(metricsYaml.replace("{{prometheus}}", prometheus.url().toString()).indent(18)),
                "test.yaml", dir);
        Step.Analysis a = (Step.Analysis) spec.app("web").orElseThrow().strategy().steps().get(1);
        return a.analysis().metrics();
    }

    static MetricQuery queries() {
        return new ProviderQueries(Duration.ofSeconds(5), ContainerResources.ingressNginx(
                prometheus.url().toString(), "shop", "web", "web", Duration.ofSeconds(5)));
    }

    @Test
    void cpuPerRequestFromCadvisorAndIngressNginxFailsACanaryWithTenTimesStablesCpuPerRequest() throws Exception {
        List<MetricDefinition> m = metrics("""
                - name: cpu
                  relative: true
                  provider: {router: {measure: cpuPerRequest}}
                  failureCondition: result > 2
                  interval: 30s
                - name: memory
                  relative: true
                  dryRun: true
                  provider: {router: {measure: memoryPerRequest}}
                  failureCondition: result > 2
                  interval: 30s
                """);
        // A measurement Prometheus cannot answer yet holds (INCONCLUSIVE) and the rollout measures again on a later
        // tick; the test does the same, on a fresh run each time, until one is decided (bounded).
        Instant now = Instant.now();
        MetricAnalysis run = new MetricAnalysis(m.subList(0, 1), now, true);
        run.tick(now, queries());
        MetricGate.Outcome gate = MetricGate.assess(List.of(run), false, true);
        for (long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
             gate.verdict() == Verdict.INCONCLUSIVE && System.nanoTime() < deadline; ) {
            prometheus.nextScrapeFromNow(); // one more scrape, then measure again
            now = Instant.now();
            run = new MetricAnalysis(m.subList(0, 1), now, true);
            run.tick(now, queries());
            gate = MetricGate.assess(List.of(run), false, true);
        }

        assertThat(gate.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(gate.sentence()).startsWith("metric cpu (cpuPerRequest) failed: canary / stable ratio 10 (")
                .contains("canary 0.02 (", "stable 0.002 (", "CPU s over", "requests in 30s",
                        "bound: failureCondition 'result > 2'");
        // Measured in a run of its own: in Argo's semantics the failed cpu metric ends its run's other measurements.
        MetricAnalysis memoryRun = new MetricAnalysis(m.subList(1, 2), now, true);
        memoryRun.tick(now, queries());
        assertThat(MetricGate.assess(List.of(memoryRun), false, true)).as("a dry run never decides")
                .isEqualTo(MetricGate.Outcome.NONE);
        MetricStatus memory = memoryRun.statuses().get(0);
        assertThat(memory.phase()).as("memory per request: same working set, a tenth of the requests")
                .isEqualTo(MetricPhase.FAILED);
        assertThat((Double) memory.measurements().get(0).value()).isCloseTo(10.0, org.assertj.core.data.Offset
                .offset(1e-9));
    }

    @Test
    void aPrometheusMetricOfTheUsersOwnQueryIsJudgedPerTrack() {
        // {{track}} selects the pod: web-canary-... for the canary, web-stable-... (no such pod) or stable's for stable.
        List<MetricDefinition> m = metrics("""
                - name: memory
                  relative: true
                  provider:
                    prometheus:
                      address: "{{prometheus}}"
                      query: 'sum(container_memory_working_set_bytes{pod=~"web-{{track}}-.*|%s"})'
                  successCondition: result < 2.5
                """.formatted(STABLE_POD));
        Instant now = Instant.now();
        MetricAnalysis run = new MetricAnalysis(m, now, true);
        run.tick(now, queries());
        assertThat(run.statuses().get(0).phase()).isEqualTo(MetricPhase.SUCCESSFUL);
        assertThat(run.statuses().get(0).measurements().get(0).value()).isEqualTo(2.0);
        assertThat(run.statuses().get(0).measurements().get(0).message())
                .isEqualTo("canary 209715200, stable 104857600");
    }

    @Test
    void aVectorWhereTheConditionNeedsAScalarIsAnErrorThatHoldsAndRollsBackOnlyUnderCompatStrict() {
        List<MetricDefinition> m = metrics("""
                - name: memory
                  provider:
                    prometheus:
                      address: "{{prometheus}}"
                      query: container_memory_working_set_bytes
                  failureCondition: result > 200000000
                  consecutiveErrorLimit: 0
                """);
        Instant now = Instant.now();
        MetricAnalysis held = new MetricAnalysis(m, now, true);
        held.tick(now, queries());
        MetricStatus s = held.statuses().get(0);
        assertThat(s.measurements().get(0).phase()).isEqualTo(MetricPhase.ERROR);
        assertThat(s.measurements().get(0).message()).contains("the query returned a vector of 2 values where the"
                + " condition needs a scalar: aggregate it in the query (sum(...)) or index it in the condition");
        MetricGate.Outcome gate = MetricGate.assess(List.of(held), false, true);
        assertThat(gate.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(gate.sentence()).startsWith("metric memory holds: ");

        MetricAnalysis strict = new MetricAnalysis(m, now, false);
        strict.tick(now, queries());
        assertThat(MetricGate.assess(List.of(strict), true, true).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void noDataIsAnErrorThatHolds() {
        List<MetricDefinition> m = metrics("""
                - name: queue
                  provider:
                    prometheus:
                      address: "{{prometheus}}"
                      query: sum(queue_depth{app="web"})
                  failureCondition: result > 10
                """);
        Instant now = Instant.now();
        MetricAnalysis run = new MetricAnalysis(m, now, true);
        run.tick(now, queries());
        assertThat(run.statuses().get(0).measurements().get(0).message()).contains("no data for sum(queue_depth");
        assertThat(MetricGate.assess(List.of(run), false, true).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }
}
