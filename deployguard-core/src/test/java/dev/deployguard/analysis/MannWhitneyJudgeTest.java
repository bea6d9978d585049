package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MannWhitneyJudgeTest {
    static final Duration MINUTE = Duration.ofMinutes(1);
    static final MannWhitneyConfig KAYENTA = MannWhitneyConfig.defaults();

    /**
     * Minute {@code i} of traffic: stable's and the canary's error counts and mean latencies wobble deterministically
     * around their levels, so the rank test has distinct values to work with.
     */
    static WindowObservation minute(int i, double canaryErrorFactor, double canaryLatencyFactor) {
        long stableErrors = 570 + ((i * 7) % 11) - 5;
        long canaryErrors = Math.round((30 + ((i * 5) % 9) - 4) * canaryErrorFactor);
        double stableLatency = 56 + 0.05 * ((i * 3) % 7);
        double canaryLatency = (56 + 0.3 * ((i * 4) % 7) - 0.9) * canaryLatencyFactor;
        return Windows.full(i, MINUTE, 57_000, stableErrors, stableLatency, 3_000, canaryErrors, canaryLatency,
                LatencyHistogram.EMPTY, LatencyPairs.NONE);
    }

    static Judgement runMinutes(Judge judge, int minutes, double errorFactor, double latencyFactor) {
        Judgement last = null;
        for (int i = 0; i < minutes; i++) {
            last = judge.observe(minute(i, errorFactor, latencyFactor));
            if (last.verdict() == Verdict.FAIL) {
                return last;
            }
        }
        return last;
    }

    @Test
    void aCanaryLikeItsBaselinePassesAtTheEndOfTheLifetime() {
        Judge judge = KAYENTA.newJudge();
        for (int i = 0; i < 59; i++) {
            assertThat(judge.observe(minute(i, 1, 1)).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        }
        Judgement end = judge.observe(minute(59, 1, 1));
        assertThat(end.verdict()).isEqualTo(Verdict.PASS);
        assertThat(end.reason()).contains("judgement 4").contains("score 100.00").contains("final score passes");
        assertThat(end.evidence()).extracting(Evidence::verdict).containsOnly(Verdict.PASS);
    }

    /** Regression: the final PASS used to be final, so a canary that degraded later (a bake) was never judged again. */
    @Test
    void aPassAtTheEndOfTheLifetimeIsNotFinalLaterJudgementsStillFail() {
        Judge judge = KAYENTA.newJudge();
        for (int i = 0; i < 60; i++) {
            judge.observe(minute(i, 1, 1));
        }
        assertThat(judge.judgement().verdict()).isEqualTo(Verdict.PASS);
        Judgement later = null;
        for (int i = 60; i < 180 && (later == null || later.verdict() != Verdict.FAIL); i++) {
            later = judge.observe(minute(i, 3, 1));
        }
        assertThat(later.verdict()).as("tripled errors after the lifetime fail a later judgement").isEqualTo(Verdict.FAIL);
        assertThat(later.reason()).doesNotContain("judgement 4 ");
        assertThat(later.evidence().get(0).metric()).isEqualTo("errorRate");
        assertThat(later.evidence().get(0).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void tripledErrorsScoreFiftyAndFailAtTheFirstJudgement() {
        Judgement j = runMinutes(KAYENTA.newJudge(), 60, 3, 1);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.elapsed()).isEqualTo(Duration.ofMinutes(15));
        assertThat(j.reason()).contains("score 50.00").contains("at or below marginal");
        Evidence errors = j.evidence().get(0);
        assertThat(errors.metric()).isEqualTo("errorRate");
        assertThat(errors.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(errors.value()).isGreaterThan(2.5); // the mean ratio
        assertThat(errors.canarySamples()).isEqualTo(15);
        assertThat(errors.reason()).contains("high").contains("interval");
        assertThat(j.evidence().get(1).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void aScoreBetweenMarginalAndPassContinuesButFailsTheFinalJudgement() {
        MannWhitneyConfig weighted = new MannWhitneyConfig(MINUTE, Duration.ofMinutes(15), Duration.ofHours(1),
                Duration.ZERO, 95, 75, 0.98, 0.25, KAYENTA.metrics(), Map.of("errorRate", 10.0));
        Judge judge = weighted.newJudge();
        Judgement j = null;
        for (int i = 0; i < 60; i++) {
            j = judge.observe(minute(i, 3, 1));
            if (i < 59) {
                assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
            }
            if (i == 14) {
                assertThat(j.reason()).contains("score 90.00").contains("above marginal, continuing");
            }
        }
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reason()).contains("final score below pass");
    }

    @Test
    void aFailingCriticalMetricZeroesTheScore() {
        MannWhitneyConfig critical = KAYENTA.withMetrics(List.of(
                MannWhitneyMetric.of("errorRate", MannWhitneyMetric.Measure.ERROR_RATE, MetricDirection.INCREASE),
                MannWhitneyMetric.of("latencyMean", MannWhitneyMetric.Measure.LATENCY_MEAN, MetricDirection.INCREASE)
                        .asCritical()));
        Judgement j = runMinutes(critical.newJudge(), 60, 1, 1.5);
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reason()).contains("score 0.00").contains("critical metric latencyMean failed");
    }

    @Test
    void onlyTheConfiguredDirectionCounts() {
        MannWhitneyConfig decreaseOnly = KAYENTA.withMetrics(List.of(
                MannWhitneyMetric.of("errorRate", MannWhitneyMetric.Measure.ERROR_RATE, MetricDirection.DECREASE)));
        assertThat(runMinutes(decreaseOnly.newJudge(), 60, 3, 1).verdict()).isEqualTo(Verdict.PASS);
        assertThat(runMinutes(decreaseOnly.newJudge(), 60, 0.3, 1).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void noDataIsInconclusiveWhereKayentaWouldFail() {
        Judge judge = KAYENTA.newJudge();
        Judgement j = null;
        for (int i = 0; i < 60; i++) {
            j = judge.observe(i % 2 == 0 ? Windows.missing(i, MINUTE, "datasource down")
                    : Windows.counts(i, MINUTE, 57_000, 570, 0, 0));
        }
        assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(j.reason()).contains("2 of 2 metrics without data: holding");
    }

    @Test
    void aSlidingLookbackOnlyJudgesTheRecentSteps() {
        MannWhitneyConfig sliding = new MannWhitneyConfig(MINUTE, Duration.ofMinutes(15), Duration.ofHours(1),
                Duration.ofMinutes(15), 95, 75, 0.98, 0.25, KAYENTA.metrics(), Map.of());
        Judge judge = sliding.newJudge();
        Judgement j = null;
        for (int i = 0; i < 30; i++) {
            j = judge.observe(minute(i, i < 15 ? 1 : 3, 1));
        }
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reason()).contains("over 15 steps");
    }

    @Test
    void theScoreCarriesKayentasLabel() {
        Judgement pass = runMinutes(KAYENTA.newJudge(), 60, 1, 1);
        assertThat(pass.reason()).contains("score 100.00, Pass");

        Judgement fail = runMinutes(KAYENTA.newJudge(), 60, 3, 1);
        assertThat(fail.reason()).contains("score 50.00, Fail");
    }

    @Test
    void strictCompatFailsOnNoDataAsKayentaDoes() {
        Judge judge = KAYENTA.asStrict().newJudge();
        Judgement j = null;
        for (int i = 0; i < 15 && (j == null || j.verdict() != Verdict.FAIL); i++) {
            j = judge.observe(Windows.missing(i, MINUTE, "datasource down"));
        }
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.reason()).contains("score 0.00, Fail").contains("50% or more metrics returned NODATA");
    }

    @Test
    void aMutedMetricIsReportedButNotScored() {
        MannWhitneyMetric errors = KAYENTA.metrics().get(0).withPreprocessing(
                new MannWhitneyMetric.Preprocessing(KayentaTransforms.NanStrategy.REMOVE, false, 3.0, true));
        Judge judge = KAYENTA.withMetrics(List.of(errors, KAYENTA.metrics().get(1))).newJudge();

        Judgement j = runMinutes(judge, 60, 3, 1);

        assertThat(j.verdict()).as("tripled errors on a muted metric do not fail").isEqualTo(Verdict.PASS);
        assertThat(j.evidence().get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(j.evidence().get(0).reason()).contains("muted");
    }

    @Test
    void warmUpIsNotMeasuredAndTheLifetimeStartsAfterIt() {
        Judge judge = KAYENTA.withWarmup(Duration.ofMinutes(10)).newJudge();
        Judgement j = null;
        // A canary three times worse while warming up, then like its baseline.
        for (int i = 0; i < 70; i++) {
            j = judge.observe(minute(i, i < 10 ? 3 : 1, 1));
            if (i < 69) {
                assertThat(j.verdict()).as("minute %d", i).isEqualTo(Verdict.INCONCLUSIVE);
            }
        }
        assertThat(j.verdict()).isEqualTo(Verdict.PASS);
        assertThat(j.reason()).contains("over 60 steps");
    }

    @Test
    void theLifetimesEndIsAJudgementAndALongIntervalShrinksToTheLifetime() {
        MannWhitneyConfig odd = KAYENTA.withSchedule(Duration.ofMinutes(25), Duration.ofMinutes(60));
        Judge judge = odd.newJudge();
        Judgement j = null;
        for (int i = 0; i < 60; i++) {
            j = judge.observe(minute(i, 1, 1));
        }
        assertThat(j.verdict()).as("judged at 25, 50 and the lifetime's end at 60").isEqualTo(Verdict.PASS);
        assertThat(j.reason()).contains("judgement 3 ");

        MannWhitneyConfig shrunk = KAYENTA.withSchedule(Duration.ofHours(2), Duration.ofMinutes(30));
        assertThat(shrunk.analysisInterval()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void replacingNaNsWithZeroPassesAnEmptySideWhereRemovingHolds() {
        var replace = new MannWhitneyMetric.Preprocessing(KayentaTransforms.NanStrategy.REPLACE, false, 3.0, false);
        MannWhitneyMetric latency = KAYENTA.metrics().get(1);
        var judge = new MannWhitneyJudge(KAYENTA);

        var removed = judge.classify(latency, new double[] {Double.NaN, Double.NaN}, new double[] {1, 2});
        var replaced = judge.classify(latency.withPreprocessing(replace), new double[] {Double.NaN, Double.NaN},
                new double[] {0, 0});

        assertThat(removed.label()).isEqualTo(MannWhitneyJudge.Label.NODATA);
        assertThat(replaced.label()).isEqualTo(MannWhitneyJudge.Label.PASS);
    }
}
