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
}
