package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.MetricStatus;
import dev.deployguard.event.Event;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom metrics decide a rollout (issue 11 items 2 and 4), in simulated time: the runner measures each metric when
 * due through the target's built-in measures, a Failed metric rolls back with a verdict naming the metric, its value
 * and its bound, a metric still measuring holds its analysis step, provider errors hold (Argo aborts on an Error run
 * only under {@code compat: strict}, as argoproj/argo-rollouts rollout/analysis.go does), dry-run metrics are recorded
 * and never decide. The judge always passes here, so every decision is the metrics'.
 */
class RolloutRunnerMetricsTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;
    JdbcStore store;
    final RolloutRunnerTest.MovableClock clock = new RolloutRunnerTest.MovableClock(T0);
    final MeasuringTarget target = new MeasuringTarget();
    RolloutRunner runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
            store.close();
        }
    }

    /** A canary whose second step is an analysis with {@code stepAnalysis}'s metrics; {@code background} its own. */
    void spec(String stepAnalysis, String background) throws Exception {
        spec(stepAnalysis, background, "");
    }

    void spec(String stepAnalysis, String background, String beforeAnalysis) throws Exception {
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
                %s
                          - analysis:
                %s
                          - setWeight: 50
                        analysis:
                          interval: 1s
                          minDuration: 0s
                          maxDuration: 600s
                          latency: false
                %s
                        bake: 60s
                """.formatted(beforeAnalysis.indent(10).stripTrailing(), stepAnalysis.indent(14).stripTrailing(), background.indent(10).stripTrailing()));
        store = JdbcStore.embedded(dir.resolve("state"));
        runner = new RolloutRunner(store, new SpecSource(spec), new EventLog(store, clock), new AppLocks(), clock,
                "test", a -> new PassingJudge(), app -> target);
        runner.begin(RolloutRunnerTest.release(2, "v2"), RolloutRunnerTest.release(1, "v1"),
                new SpecSource(spec).app("web"), "alice");
    }

    static final String CPU_STEP = """
            metrics:
              - name: cpu
                relative: true
                provider: {router: {measure: cpuPerRequest}}
                failureCondition: result > 2
                interval: 10s
                count: 3
            """;

    void advance(int seconds) {
        for (int i = 0; i < seconds; i++) {
            clock.advance(Duration.ofSeconds(1));
            runner.tick();
        }
    }

    Rollout latest() {
        return store.rollouts("web", 1).get(0);
    }

    List<Event> events(String kind) {
        return store.events("web", 0, null, 1000).stream().filter(e -> e.kind().equals(kind)).toList();
    }

    MetricStatus status(String metric) {
        return runner.metrics("web").stream().filter(m -> m.name().equals(metric)).findFirst().orElseThrow();
    }

    @Test
    void aCanaryBurningFourTimesStablesCpuPerRequestIsRolledBackAtTheFirstMeasurementNamingRatioAndBound()
            throws Exception {
        target.canary = 0.004;
        target.stable = 0.001;
        spec(CPU_STEP, "");
        advance(1);
        Rollout r = latest();
        assertThat(r.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(target.calls).containsExactly("SetWeight(2500)", "RollBack");
        assertThat(r.outcome()).contains("metric cpu (cpuPerRequest) failed", "canary / stable ratio 4",
                "canary 0.004 (4 CPU s over 1000 requests)", "stable 0.001", "failureCondition 'result > 2'",
                "failed (1) > failureLimit (0)");
        assertThat(status("cpu").phase()).isEqualTo(MetricPhase.FAILED);
        assertThat(events("analysis.metric")).singleElement().satisfies(e -> {
            assertThat(e.message()).startsWith("metric cpu: FAILED 4 (");
            assertThat(e.data()).containsEntry("metric", "cpu").containsEntry("value", 4.0)
                    .containsEntry("canary", 0.004).containsEntry("stable", 0.001);
        });
    }

    @Test
    void aMetricStillMeasuringHoldsItsStepWhileTheJudgePassesThenLetsItPass() throws Exception {
        target.canary = 0.0011;
        target.stable = 0.001;
        spec(CPU_STEP, "");
        advance(5);
        assertThat(latest().weight()).as("held at the analysis step by the metric's count").isEqualTo(2500);
        assertThat(latest().lastVerdict()).startsWith("INCONCLUSIVE").contains("metric cpu is still measuring (1 of 3");
        advance(16); // measurements at 11 s and 21 s complete the count
        assertThat(status("cpu").phase()).isEqualTo(MetricPhase.SUCCESSFUL);
        assertThat(status("cpu").measurements()).hasSize(3);
        assertThat(target.calls).containsSubsequence("SetWeight(2500)", "SetWeight(5000)", "Promote");
    }

    @Test
    void theJudgesPassBeforeAPauseDoesNotCarryTheRolloutThroughTheMetricsStepAfterIt() throws Exception {
        target.canary = 0.001;
        target.stable = 0.001;
        spec(CPU_STEP, "", "- pause: {duration: 5s}");
        advance(3);
        assertThat(latest().lastVerdict()).as("the judge passes, but that PASS would carry the rollout through the"
                + " metrics step at the pause's end").startsWith("INCONCLUSIVE: judge PASS")
                .endsWith("the next analysis step's metrics have not measured yet");
        advance(4); // the pause ends at 5 s: the rollout enters the analysis step and its metric starts measuring
        assertThat(latest().weight()).isEqualTo(2500);
        assertThat(status("cpu").measurements()).isNotEmpty();
        assertThat(latest().lastVerdict()).contains("metric cpu is still measuring");
        advance(25);
        assertThat(target.calls).contains("Promote");
        assertThat(status("cpu").measurements()).hasSize(3);
    }

    @Test
    void whenTheBuiltInMeasuresCannotBeSetUpNothingMovesAndTheNextTickTriesAgain() throws Exception {
        target.canary = 0.008;
        target.stable = 0.002;
        target.builtinsFailures = 1;
        spec(CPU_STEP, "");
        advance(1);
        assertThat(store.activeRollout("web")).get().extracting(Rollout::weight).isEqualTo(2500);
        assertThat(events("rollout.error")).singleElement().extracting(Event::message).asString()
                .contains("the cluster's API server did not answer");
        advance(1);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(latest().outcome()).contains("metric cpu (cpuPerRequest) failed: canary / stable ratio 4");
    }

    @Test
    void providerErrorsHoldTheStepAndNeverRollBackByDefault() throws Exception {
        target.down = "router metrics unavailable: connection refused";
        spec(CPU_STEP, "");
        advance(120);
        Rollout r = store.activeRollout("web").orElseThrow();
        assertThat(r.weight()).isEqualTo(2500);
        assertThat(target.calls).doesNotContain("RollBack");
        MetricStatus cpu = status("cpu");
        assertThat(cpu.phase()).isEqualTo(MetricPhase.RUNNING);
        assertThat(cpu.error()).as("retried every 10 s, well past consecutiveErrorLimit 4").isGreaterThan(10);
        assertThat(cpu.message()).contains("holding", "connection refused");
        assertThat(r.lastVerdict()).contains("metric cpu holds", "connection refused");

        target.down = null;
        target.canary = 0.001;
        target.stable = 0.001;
        advance(30);
        assertThat(target.calls).as("the provider is back: the step passes").contains("Promote");
    }

    @Test
    void underCompatStrictErrorsBeyondTheLimitRollBackAsArgoAborts() throws Exception {
        target.down = "no data for cpu";
        spec("compat: strict\n" + CPU_STEP.replace("count: 3", "count: 3\n    consecutiveErrorLimit: 1"), "");
        advance(15); // errors at 1 s and 11 s: 2 in a row > 1
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(latest().outcome()).contains("metric cpu (cpuPerRequest) error",
                "consecutiveErrors (2) > consecutiveErrorLimit (1)", "no data for cpu");
    }

    @Test
    void inconclusiveBeyondItsLimitRollsBackByDefaultAndHoldsUnderCompatStrict() throws Exception {
        target.canary = 0.0015;
        target.stable = 0.001;
        String between = CPU_STEP.replace("failureCondition: result > 2",
                "failureCondition: result > 2\n    successCondition: result < 1.2");
        spec(between, "");
        advance(1);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(latest().outcome()).contains("metric cpu (cpuPerRequest) inconclusive", "ratio 1.5",
                "inconclusive (1) > inconclusiveLimit (0)");

        stop();
        target.calls.clear();
        dir = Files.createTempDirectory(dir, "strict");
        spec("compat: strict\n" + between, "");
        advance(30);
        assertThat(store.activeRollout("web")).get().extracting(Rollout::weight).isEqualTo(2500);
        assertThat(target.calls).doesNotContain("RollBack");
        runner.close();
        store.close();
        runner = null;
    }

    @Test
    void aDryRunMetricIsRecordedButNeverDecides() throws Exception {
        target.canary = 0.01;
        target.stable = 0.001;
        spec(CPU_STEP.replace("count: 3", "count: 3\n    dryRun: true"), "");
        advance(25);
        assertThat(target.calls).contains("Promote").doesNotContain("RollBack");
        assertThat(status("cpu").phase()).isEqualTo(MetricPhase.FAILED);
        assertThat(events("analysis.metric")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.message()).startsWith("metric cpu (dry run): FAILED 10"));
    }

    @Test
    void aStrategyMetricWatchesTheWholeRolloutAndRollsBackDuringTheBake() throws Exception {
        target.canary = 0.0;
        spec("{}", """
                metrics:
                  - name: errors
                    provider: {router: {measure: errorRate}}
                    failureCondition: result > 0.05
                    interval: 5s
                """);
        advance(3);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.BAKING);
        target.canary = 0.2;
        advance(6);
        assertThat(latest().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(latest().outcome()).contains("metric errors (errorRate) failed: value 0.2",
                "failureCondition 'result > 0.05'");
        assertThat(target.calls).endsWith("Promote", "RollBack");
    }

    /** A target whose built-in measures answer what the test sets: per track, or unavailable for a reason. */
    static final class MeasuringTarget implements RolloutTarget {
        final List<String> calls = new ArrayList<>();
        volatile double canary;
        volatile double stable;
        volatile String down;
        volatile int builtinsFailures;

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
            return MetricSource.none("no traffic in this test");
        }

        @Override
        public MetricQuery builtins(Rollout r, Instant since) {
            if (builtinsFailures > 0) {
                builtinsFailures--;
                throw new IllegalStateException("the cluster's API server did not answer");
            }
            return (MetricDefinition metric, String track, Instant at) -> {
                if (down != null) {
                    return new MetricQuery.Answer.Unavailable(down);
                }
                double v = "stable".equals(track) ? stable : canary;
                return new MetricQuery.Answer.Value(v, dev.deployguard.analysis.metric.MetricAnalysis.format(v * 1000)
                        + " CPU s over 1000 requests");
            };
        }
    }

    /** A judge that passes every window: the rollout's decisions are then the custom metrics' alone. */
    static final class PassingJudge implements Judge {
        private WindowObservation window;

        @Override
        public String name() {
            return "passing";
        }

        @Override
        public Verdict update(WindowObservation w) {
            window = w;
            return Verdict.PASS;
        }

        @Override
        public Judgement judgement() {
            return new Judgement("passing", Verdict.PASS, window.start(), window.end(), List.of(), "always");
        }
    }
}
