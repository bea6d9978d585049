package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MannWhitneyConfig;
import dev.deployguard.analysis.MannWhitneyMetric;
import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code judge: mannWhitney} judges the strategy's relative custom metrics as Kayenta judges the metrics of its
 * canary config (issue 11 items 2 and 6), in simulated time through the real runner and {@link Analyses#forSpec}: each
 * measurement's canary and stable values reach the judge, which classifies the metric beside the router's error
 * rate and latency and weighs it into the score.
 */
class RolloutRunnerKayentaMetricsTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;
    JdbcStore store;
    final RolloutRunnerTest.MovableClock clock = new RolloutRunnerTest.MovableClock(T0);
    final Target target = new Target();
    RolloutRunner runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
            store.close();
        }
    }

    static final String METRICS = """
            metrics:
              - name: cpu
                relative: true
                direction: increase
                provider: {router: {measure: cpuPerRequest}}
                interval: 1s
            """;

    void start(String metrics) throws Exception {
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["true", "${port}"]
                        listen: 127.0.0.1:18080
                    strategy:
                      canary:
                        steps:
                          - setWeight: 25
                          - analysis: {}
                          - setWeight: 50
                        analysis:
                          judge: mannWhitney
                          interval: 1s
                          maxDuration: 40s
                %s
                        bake: 5s
                """.formatted(metrics.indent(10).stripTrailing()));
        store = JdbcStore.embedded(dir.resolve("state"));
        SpecSource specs = new SpecSource(spec);
        runner = new RolloutRunner(store, specs, new EventLog(store, clock), new AppLocks(), clock, "test",
                Analyses::forSpec, app -> target);
        runner.begin(RolloutRunnerTest.release(2, "v2"), RolloutRunnerTest.release(1, "v1"), specs.app("web"),
                "alice");
    }

    void advance(int seconds) {
        for (int i = 0; i < seconds; i++) {
            clock.advance(Duration.ofSeconds(1));
            runner.tick();
        }
    }

    Rollout latest() {
        return store.rollouts("web", 1).get(0);
    }

    @Test
    void theSpecsRelativeMetricsJoinKayentasMetricsWithTheirWeightDirectionCriticalAndDryRun() throws Exception {
        start(METRICS + """
                  - name: memory
                    relative: true
                    critical: true
                    weight: 2
                    provider: {router: {measure: memoryPerRequest}}
                    interval: 1s
                  - name: queue
                    relative: true
                    dryRun: true
                    provider: {router: {measure: latencyP99}}
                    interval: 1s
                  - name: rps
                    provider: {router: {measure: requestRate}}
                    successCondition: result > 0
                    interval: 1s
                """);
        MannWhitneyConfig c = Analyses.mannWhitney(new SpecSource(dir.resolve("deployguard.yaml")).app("web")
                .strategy().analysis());
        assertThat(c.metrics()).extracting(MannWhitneyMetric::name)
                .as("the absolute metric has no baseline: its conditions alone decide it")
                .containsExactly("errorRate", "latencyMean", "cpu", "memory", "queue");
        MannWhitneyMetric cpu = c.metrics().get(2);
        assertThat(cpu.measure()).isEqualTo(MannWhitneyMetric.Measure.PROVIDED);
        assertThat(cpu.direction()).isEqualTo(MetricDirection.INCREASE);
        assertThat(c.metrics().get(3).critical()).isTrue();
        assertThat(c.metrics().get(4).preprocessing().muted()).as("a dry run is Kayenta's muted metric").isTrue();
        // weights 1 + 1 + 1 + 2 of the scored metrics, as percentages (Kayenta's groupWeights)
        assertThat(c.groupWeights()).containsOnlyKeys("errorRate", "latencyMean", "cpu", "memory");
        assertThat(c.groupWeights().get("memory")).isEqualTo(40.0);
        assertThat(c.groupWeights().get("cpu")).isEqualTo(20.0);
    }

    @Test
    void aCanaryBurningFourTimesStablesCpuIsRolledBackByTheJudgeAtItsFirstJudgement() throws Exception {
        target.canaryCpu = 0.004;
        target.stableCpu = 0.001;
        start(METRICS);
        advance(9);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
        advance(2); // the first judgement: a quarter of the 40 s lifetime
        Rollout r = latest();
        assertThat(r.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(target.calls).containsExactly("SetWeight(2500)", "RollBack");
        assertThat(r.outcome()).contains("mannWhitney", "score 66.67", "Fail", "not passing: cpu high (effect size 4");
    }

    @Test
    void aCanaryWithStablesCpuIsPromotedAtTheLifetimesEnd() throws Exception {
        target.canaryCpu = 0.001;
        target.stableCpu = 0.001;
        start(METRICS);
        advance(60);
        assertThat(target.calls).containsSubsequence("SetWeight(2500)", "SetWeight(5000)", "Promote")
                .doesNotContain("RollBack");
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    }

    @Test
    void aDecreaseOnlyCountsAgainstTheCanaryWhenTheMetricsDirectionSaysSo() throws Exception {
        target.canaryCpu = 0.00025;
        target.stableCpu = 0.001;
        start(METRICS);
        advance(60);
        assertThat(target.calls).contains("Promote").doesNotContain("RollBack");

        stop();
        target.calls.clear();
        dir = Files.createTempDirectory(dir, "either");
        start(METRICS.replace("direction: increase", "direction: either"));
        advance(11);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(latest().outcome()).contains("not passing: cpu low (effect size 0.25");
    }

    /**
     * Router traffic of a canary as good as stable (errors and latency wobble alike), and built-in measures that
     * answer the CPU per request the test sets.
     */
    static final class Target implements RolloutTarget {
        final java.util.List<String> calls = new java.util.ArrayList<>();
        volatile double canaryCpu;
        volatile double stableCpu;

        @Override
        public void begin(Rollout r, String actor) {
        }

        @Override
        public Progress apply(Action action, Rollout r, String actor) {
            calls.add(action instanceof Action.SetWeight w ? "SetWeight(" + w.basisPoints() + ")"
                    : action.getClass().getSimpleName());
            return Progress.DONE;
        }

        @Override
        public MetricSource evidence(Rollout r, Instant since) {
            return (start, end) -> {
                long s = start.getEpochSecond();
                long stableErrors = 10 + (s * 7) % 5;
                long canaryErrors = 3 + (s * 3) % 3;
                return WindowObservation.measured(start, end,
                        new TrackWindow(1000, stableErrors, 1000 * (50 + (s * 3) % 7), LatencyHistogram.EMPTY),
                        new TrackWindow(300, canaryErrors, 300 * (50 + (s * 5) % 7), LatencyHistogram.EMPTY),
                        LatencyPairs.NONE);
            };
        }

        @Override
        public MetricQuery builtins(Rollout r, Instant since) {
            return (metric, track, at) -> new MetricQuery.Answer.Value("stable".equals(track) ? stableCpu : canaryCpu,
                    "");
        }
    }
}
