package dev.deployguard.analysis.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What custom metrics say to the rollout engine: Failed rolls back naming metric, value and bound; Inconclusive beyond
 * its limit rolls back (held under compat: strict, where Argo Rollouts pauses); Error measurements hold by default
 * and end the metric beyond consecutiveErrorLimit only under compat: strict (Argo aborts an Error run:
 * argoproj/argo-rollouts, utils/analysis/helpers.go); dry-run metrics never decide.
 */
class MetricGateTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    static MetricDefinition metric(String name, boolean relative, String success, String failure, boolean dryRun,
                                   int errorLimit) {
        return new MetricDefinition(name, new Provider.Router("cpuPerRequest"), relative, MetricDirection.INCREASE, 1,
                false, success == null ? null : Condition.parse(success, true),
                failure == null ? null : Condition.parse(failure, true), 3, Duration.ofSeconds(10), Duration.ZERO, 0,
                0, errorLimit, 0, dryRun);
    }

    static MetricQuery answering(double canary, double stable) {
        return (m, track, at) -> new MetricQuery.Answer.Value("stable".equals(track) ? stable : canary,
                "n requests");
    }

    static final MetricQuery DOWN = (m, track, at) -> new MetricQuery.Answer.Unavailable("connection refused");

    @Test
    void aFailedMetricFailsWithOneSentenceNamingMetricValueAndBound() {
        MetricAnalysis a = new MetricAnalysis(List.of(metric("cpu", true, null, "result > 2", false, 4)), T0, true);
        a.tick(T0, answering(0.008, 0.002));
        MetricGate.Outcome o = MetricGate.assess(List.of(a), false, true);
        assertThat(o.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(o.sentence()).isEqualTo("metric cpu (cpuPerRequest) failed: canary / stable ratio 4 (canary 0.008"
                + " (n requests), stable 0.002 (n requests)), bound: failureCondition 'result > 2';"
                + " failed (1) > failureLimit (0)");
    }

    @Test
    void inconclusiveBeyondItsLimitFailsByDefaultAndHoldsUnderStrict() {
        MetricDefinition between = metric("cpu", true, "result < 1.2", "result > 2", false, 4);
        MetricAnalysis a = new MetricAnalysis(List.of(between), T0, true);
        a.tick(T0, answering(0.003, 0.002));
        assertThat(MetricGate.assess(List.of(a), false, true).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(MetricGate.assess(List.of(a), true, true).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    void errorsHoldForeverByDefaultAndEndTheMetricBeyondItsLimitUnderStrict() {
        MetricDefinition m = metric("cpu", true, null, "result > 2", false, 1);
        MetricAnalysis held = new MetricAnalysis(List.of(m), T0, true);
        MetricAnalysis strict = new MetricAnalysis(List.of(m), T0, false);
        for (int i = 0; i < 5; i++) {
            Instant at = T0.plus(MetricRun.ERROR_RETRY_INTERVAL.multipliedBy(i));
            held.tick(at, DOWN);
            strict.tick(at, DOWN);
        }
        MetricGate.Outcome o = MetricGate.assess(List.of(held), false, true);
        assertThat(o.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(o.sentence()).isEqualTo("metric cpu holds: cpu (canary): connection refused");
        assertThat(held.statuses().get(0).error()).isEqualTo(5);
        assertThat(held.phase()).isEqualTo(MetricPhase.RUNNING);

        MetricGate.Outcome s = MetricGate.assess(List.of(strict), true, true);
        assertThat(s.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(s.sentence()).contains("metric cpu (cpuPerRequest) error",
                "consecutiveErrors (2) > consecutiveErrorLimit (1)");
    }

    @Test
    void aMetricStillCountingHoldsAStepButNotTheBackground() {
        MetricAnalysis a = new MetricAnalysis(List.of(metric("cpu", true, null, "result > 2", false, 4)), T0, true);
        a.tick(T0, answering(0.002, 0.002));
        assertThat(MetricGate.assess(List.of(a), false, true).sentence())
                .isEqualTo("metric cpu is still measuring (1 of 3 measurements)");
        assertThat(MetricGate.assess(List.of(a), false, false)).isEqualTo(MetricGate.Outcome.NONE);
        a.tick(T0.plusSeconds(10), answering(0.002, 0.002));
        a.tick(T0.plusSeconds(20), answering(0.002, 0.002));
        assertThat(MetricGate.assess(List.of(a), false, true)).isEqualTo(MetricGate.Outcome.NONE);
    }

    @Test
    void aDryRunMetricNeverDecides() {
        MetricAnalysis a = new MetricAnalysis(List.of(metric("cpu", true, null, "result > 2", true, 4)), T0, true);
        a.tick(T0, answering(0.02, 0.002));
        assertThat(a.statuses().get(0).phase()).isEqualTo(MetricPhase.FAILED);
        assertThat(MetricGate.assess(List.of(a), false, true)).isEqualTo(MetricGate.Outcome.NONE);
        assertThat(MetricGate.assess(List.of(a), true, true)).isEqualTo(MetricGate.Outcome.NONE);
    }

    static MetricDefinition weighted(String name, MetricDirection direction, double weight, boolean critical,
                                     String failure) {
        return new MetricDefinition(name, new Provider.Router("cpuPerRequest"), true, direction, weight, critical,
                null, Condition.parse(failure, true), 3, Duration.ofSeconds(10), Duration.ZERO, 0, 0, 4, 0, false);
    }

    /** Answers each metric's canary value from its name; stable is 1, so the ratio is the canary value. */
    static MetricQuery ratios(java.util.Map<String, Double> canary) {
        return (m, track, at) -> new MetricQuery.Answer.Value("stable".equals(track) ? 1.0 : canary.get(m.name()),
                "");
    }

    @Test
    void aLightMetricThatFailsIsOutweighedAndAHeavyOneFailsTheCanary() {
        // Kayenta's score: 100 x weight of the metrics not failed / weight of all, against the pass threshold 95
        // (spinnaker/kayenta @ 051bb0d, kayenta-judge/.../judge/scorers/WeightedSumScorer.scala weighs groups by
        // groupWeights; a metric here is its own group); here: weights 1 + 19 + 20 = 40
        MetricDefinition light = weighted("light", MetricDirection.EITHER, 1, false, "result > 2");
        MetricDefinition mid = weighted("mid", MetricDirection.EITHER, 19, false, "result > 2");
        MetricDefinition heavy = weighted("heavy", MetricDirection.EITHER, 20, false, "result > 2");
        MetricAnalysis a = new MetricAnalysis(List.of(light, mid, heavy), T0, true);
        a.tick(T0, ratios(java.util.Map.of("light", 3.0, "mid", 1.0, "heavy", 1.0)));
        // light failed: score 97.5 >= 95, no objection, and the others keep measuring
        assertThat(a.score()).isEqualTo(97.5);
        assertThat(MetricGate.assess(List.of(a), false, false)).isEqualTo(MetricGate.Outcome.NONE);
        assertThat(a.terminating()).isFalse();
        assertThat(a.nextMeasurementAt()).isEqualTo(T0.plusSeconds(10));
        a.tick(T0.plusSeconds(10), ratios(java.util.Map.of("light", 3.0, "mid", 1.0, "heavy", 3.0)));
        // heavy failed too: score 47.5 < 95, the canary fails and the sentence says why
        MetricGate.Outcome o = MetricGate.assess(List.of(a), false, false);
        assertThat(o.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(o.sentence()).startsWith("metric light (cpuPerRequest) failed").endsWith(
                "(metric score 47.5 < 95 with the failed metrics' weight out)");
        assertThat(a.phase()).isEqualTo(MetricPhase.FAILED);
        // under compat: strict every deciding metric is critical (Argo Rollouts): light alone fails it
        MetricAnalysis strict = new MetricAnalysis(List.of(light, mid, heavy), T0, false);
        strict.tick(T0, ratios(java.util.Map.of("light", 3.0, "mid", 1.0, "heavy", 1.0)));
        assertThat(MetricGate.assess(List.of(strict), true, false).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void aCriticalMetricThatFailsFailsTheCanaryWhateverTheScore() {
        // Kayenta fails the whole canary when a critical metric fails (spinnaker/kayenta @ 051bb0d, kayenta-judge/
        // .../judge/scorers/WeightedSumScorer.scala, criticalFailures: the score is 0)
        MetricDefinition critical = weighted("critical", MetricDirection.EITHER, 1, true, "result > 2");
        MetricDefinition heavy = weighted("heavy", MetricDirection.EITHER, 99, false, "result > 2");
        MetricAnalysis a = new MetricAnalysis(List.of(critical, heavy), T0, true);
        a.tick(T0, ratios(java.util.Map.of("critical", 3.0, "heavy", 1.0)));
        assertThat(a.score()).isEqualTo(99.0);
        MetricGate.Outcome o = MetricGate.assess(List.of(a), false, false);
        assertThat(o.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(o.sentence()).startsWith("metric critical (cpuPerRequest) failed: canary / stable ratio 3")
                .endsWith("(critical: it fails the canary whatever the other metrics say)");
        // the same metric not critical is outweighed
        MetricAnalysis notCritical = new MetricAnalysis(List.of(weighted("critical", MetricDirection.EITHER, 1,
                false, "result > 2"), heavy), T0, true);
        notCritical.tick(T0, ratios(java.util.Map.of("critical", 3.0, "heavy", 1.0)));
        assertThat(MetricGate.assess(List.of(notCritical), false, false)).isEqualTo(MetricGate.Outcome.NONE);
    }

    @Test
    void directionDecidesWhichChangeCountsAgainstTheCanary() {
        // a condition that fails any move beyond 20% either way; Kayenta's direction: an increase metric passes a
        // canary lower than stable, a decrease metric one higher, either fails both (spinnaker/kayenta,
        // kayenta-judge .../judge/classifiers/metric/MannWhitneyClassifier.scala, direction Increase/Decrease/Either)
        String beyond20 = "result > 1.2 || result < 0.8";
        record Case(MetricDirection direction, double ratio, MetricPhase expected) {
        }
        List<Case> cases = List.of(
                new Case(MetricDirection.INCREASE, 1.5, MetricPhase.FAILED),
                new Case(MetricDirection.INCREASE, 0.5, MetricPhase.SUCCESSFUL),
                new Case(MetricDirection.DECREASE, 0.5, MetricPhase.FAILED),
                new Case(MetricDirection.DECREASE, 1.5, MetricPhase.SUCCESSFUL),
                new Case(MetricDirection.EITHER, 1.5, MetricPhase.FAILED),
                new Case(MetricDirection.EITHER, 0.5, MetricPhase.FAILED),
                new Case(MetricDirection.INCREASE, 1.0, MetricPhase.SUCCESSFUL));
        for (Case c : cases) {
            MetricAnalysis a = new MetricAnalysis(List.of(weighted("m", c.direction(), 1, false, beyond20)), T0,
                    true);
            a.tick(T0, ratios(java.util.Map.of("m", c.ratio())));
            Measurement last = a.run("m").last().orElseThrow();
            assertThat(last.phase()).as("%s", c).isEqualTo(c.expected());
            if (c.direction() != MetricDirection.EITHER && c.expected() == MetricPhase.SUCCESSFUL && c.ratio() != 1) {
                assertThat(last.message()).contains("counts against it (direction: "
                        + c.direction().name().toLowerCase(java.util.Locale.ROOT) + ")");
            }
        }
    }
}
