package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Custom metrics judged by {@code mannWhitney} as Kayenta judges every metric of its canary config (issue 11 items 2
 * and 6): a relative metric's measurements form its canary and baseline series, classified by the same rank test,
 * scored in its own group with its weight, {@code critical} zeroing the score, its direction deciding which change
 * counts, a muted (dry-run) metric reported and not scored. In simulated time: one window and one measurement a
 * minute, Kayenta's defaults (judged every 15 minutes over a one-hour lifetime).
 */
class MannWhitneyCustomMetricsTest {
    static final Duration MINUTE = Duration.ofMinutes(1);

    static MannWhitneyMetric cpu(MetricDirection direction) {
        return new MannWhitneyMetric("cpu", MannWhitneyMetric.Measure.PROVIDED, direction, false, false,
                MannWhitneyMetric.EffectSize.defaults(MannWhitneyMetric.EffectMeasure.MEAN_RATIO), List.of("cpu"));
    }

    static MannWhitneyConfig config(MannWhitneyMetric custom, Map<String, Double> weights) {
        MannWhitneyConfig d = MannWhitneyConfig.defaults();
        return new MannWhitneyConfig(d.step(), d.analysisInterval(), d.lifetime(), d.lookback(), d.passScore(),
                d.marginalScore(), d.confidenceLevel(), d.tolerance(),
                List.of(d.metrics().get(0), d.metrics().get(1), custom), weights);
    }

    /** CPU seconds per request in minute {@code i}: stable about 2 ms, the canary {@code factor} times that. */
    static MetricSample cpuSample(int i, double factor) {
        Instant at = Windows.T0.plus(MINUTE.multipliedBy(i + 1));
        double stable = 0.002 * (1 + 0.03 * ((i * 3) % 7) - 0.09);
        double canary = 0.002 * factor * (1 + 0.04 * ((i * 5) % 7) - 0.12);
        return new MetricSample("cpu", at, canary, stable);
    }

    /** Minutes of good router traffic, with a CPU measurement after each window; stops at a FAIL. */
    static Judgement run(Judge judge, int minutes, double cpuFactor) {
        Judgement last = null;
        for (int i = 0; i < minutes; i++) {
            last = judge.observe(MannWhitneyJudgeTest.minute(i, 1, 1));
            if (last.verdict() == Verdict.FAIL) {
                return last;
            }
            judge.observeMetric(cpuSample(i, cpuFactor));
        }
        return last;
    }

    static Evidence evidence(Judgement j, String metric) {
        return j.evidence().stream().filter(e -> e.metric().equals(metric)).findFirst().orElseThrow();
    }

    @Test
    void aCanaryBurningFourTimesTheCpuFailsTheFirstJudgementOnThatMetricAlone() {
        Judgement j = run(config(cpu(MetricDirection.INCREASE), Map.of()).newJudge(), 60, 4);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.elapsed()).isEqualTo(Duration.ofMinutes(15));
        // three groups of equal weight, one of them failed: Kayenta's 66.67, at or below marginal (75)
        assertThat(j.reason()).contains("score 66.67", "Fail", "at or below marginal",
                "not passing: cpu high (effect size");
        Evidence cpu = evidence(j, "cpu");
        assertThat(cpu.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(cpu.reason()).contains("cpu: high", "interval");
        assertThat(cpu.value()).as("the mean ratio").isBetween(3.5, 4.5);
        // the measurement after minute 15's window comes after that judgement: 14 points in scope
        assertThat(cpu.canarySamples()).isEqualTo(14);
        assertThat(evidence(j, "errorRate").verdict()).isEqualTo(Verdict.PASS);
        assertThat(evidence(j, "latencyMean").verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void aCanaryWithStablesCpuPassesAtTheEndOfTheLifetime() {
        Judge judge = config(cpu(MetricDirection.INCREASE), Map.of()).newJudge();
        Judgement j = run(judge, 60, 1);
        assertThat(j.verdict()).isEqualTo(Verdict.PASS);
        assertThat(j.reason()).contains("judgement 4", "score 100.00", "final score passes");
        assertThat(evidence(j, "cpu").verdict()).isEqualTo(Verdict.PASS);
        assertThat(evidence(j, "cpu").canarySamples()).isEqualTo(59);
    }

    @Test
    void aLightMetricThatFailsLowersTheScoreAndACriticalOneZeroesIt() {
        Map<String, Double> weights = Map.of("errorRate", 45.0, "latencyMean", 45.0, "cpu", 10.0);
        Judge light = config(cpu(MetricDirection.INCREASE), weights).newJudge();
        Judgement first = null;
        for (int i = 0; i < 15; i++) {
            first = light.observe(MannWhitneyJudgeTest.minute(i, 1, 1));
            light.observeMetric(cpuSample(i, 4));
        }
        assertThat(first.verdict()).as("score 90: above marginal, continuing").isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(first.reason()).contains("score 90.00", "Marginal", "continuing");
        Judgement end = run(light, 60, 4);
        assertThat(end.verdict()).as("the final judgement needs 95").isEqualTo(Verdict.FAIL);
        assertThat(end.reason()).contains("final score below pass");

        Judgement critical = run(config(cpu(MetricDirection.INCREASE).asCritical(), weights).newJudge(), 60, 4);
        assertThat(critical.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(critical.elapsed()).isEqualTo(Duration.ofMinutes(15));
        assertThat(critical.reason()).contains("score 0.00", "critical metric cpu failed");
    }

    @Test
    void onlyTheMetricsDirectionCountsAgainstTheCanary() {
        // less CPU than stable fails an `either` metric, never an `increase` one
        Judgement either = run(config(cpu(MetricDirection.EITHER), Map.of()).newJudge(), 60, 0.25);
        assertThat(either.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(evidence(either, "cpu").reason()).contains("cpu: low");
        assertThat(run(config(cpu(MetricDirection.INCREASE), Map.of()).newJudge(), 60, 0.25).verdict())
                .isEqualTo(Verdict.PASS);
        assertThat(run(config(cpu(MetricDirection.DECREASE), Map.of()).newJudge(), 60, 4).verdict())
                .isEqualTo(Verdict.PASS);
    }

    @Test
    void aMutedMetricIsClassifiedAndReportedButNotScored() {
        MannWhitneyMetric muted = cpu(MetricDirection.INCREASE).asCritical().withPreprocessing(
                new MannWhitneyMetric.Preprocessing(KayentaTransforms.NanStrategy.REMOVE, false, 3.0, true));
        Judgement j = run(config(muted, Map.of()).newJudge(), 60, 4);
        assertThat(j.verdict()).isEqualTo(Verdict.PASS);
        assertThat(j.reason()).contains("score 100.00");
        assertThat(evidence(j, "cpu").verdict()).isEqualTo(Verdict.FAIL);
        assertThat(evidence(j, "cpu").reason()).contains("high", "(muted: not scored)");
    }

    @Test
    void measurementsBeforeTheWarmUpAndOfOtherMetricsAreNotJudged() {
        Judge judge = config(cpu(MetricDirection.INCREASE), Map.of()).withWarmup(Duration.ofMinutes(10)).newJudge();
        judge.observeMetric(new MetricSample("memory", Windows.T0.plusSeconds(30), 100, 1));
        Judgement j = null;
        for (int i = 0; i < 25; i++) {
            j = judge.observe(MannWhitneyJudgeTest.minute(i, 1, 1));
            // the canary is 4 times worse during the warm-up only
            judge.observeMetric(cpuSample(i, i < 10 ? 4 : 1));
        }
        assertThat(j.reason()).contains("judgement 1 at 1500s");
        assertThat(j.evidence()).extracting(Evidence::metric).containsExactly("errorRate", "latencyMean", "cpu");
        assertThat(evidence(j, "cpu").verdict()).isEqualTo(Verdict.PASS);
        assertThat(evidence(j, "cpu").canarySamples()).as("minutes 10 to 24 after the warm-up").isEqualTo(15);
    }

    @Test
    void aCustomMetricWithoutMeasurementsYetIsNoDataAndHoldsOnlyWithHalfTheMetrics() {
        Judge judge = config(cpu(MetricDirection.INCREASE), Map.of()).newJudge();
        Judgement j = null;
        for (int i = 0; i < 15; i++) {
            j = judge.observe(MannWhitneyJudgeTest.minute(i, 1, 1));
        }
        assertThat(evidence(j, "cpu").verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(evidence(j, "cpu").reason()).contains("no data for cpu");
        // one of three metrics without data is below Kayenta's 50%: judged on the others, continuing
        assertThat(j.reason()).contains("score 100.00", "continuing");
    }
}
