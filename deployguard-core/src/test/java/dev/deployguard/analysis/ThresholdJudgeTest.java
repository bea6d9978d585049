package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThresholdJudgeTest {
    static final Duration MINUTE = Duration.ofMinutes(1);
    static final ThresholdConfig FLAGGER = ThresholdConfig.flaggerDefaults().withMaxP99(Double.NaN);

    /** One one-minute check per pattern letter: P passes (0.5% errors), F fails (2% errors), L has too little traffic. */
    static List<Verdict> run(ThresholdConfig config, String pattern) {
        Judge judge = config.newJudge();
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < pattern.length(); i++) {
            WindowObservation w = switch (pattern.charAt(i)) {
                case 'P' -> Windows.counts(i, MINUTE, 57_000, 570, 3_000, 15);
                case 'F' -> Windows.counts(i, MINUTE, 57_000, 570, 3_000, 60);
                case 'L' -> Windows.counts(i, MINUTE, 57_000, 570, 10, 0);
                case 'M' -> Windows.missing(i, MINUTE, "query failed");
                default -> throw new IllegalArgumentException();
            };
            verdicts.add(judge.observe(w).verdict());
        }
        return verdicts;
    }

    static Verdict last(List<Verdict> verdicts) {
        return verdicts.get(verdicts.size() - 1);
    }

    @Test
    void fiveGoodChecksPromoteAsFlaggerDoesAfterMaxWeightOverStepWeight() {
        List<Verdict> verdicts = run(FLAGGER, "PPPPP");
        assertThat(verdicts.subList(0, 4)).containsOnly(Verdict.INCONCLUSIVE);
        assertThat(last(verdicts)).isEqualTo(Verdict.PASS);
        assertThat(ThresholdConfig.flagger(MINUTE, 5, 10, 50, 99, 500).checksToPromote()).isEqualTo(5);
        assertThat(ThresholdConfig.flagger(MINUTE, 5, 20, 50, 99, 500).checksToPromote()).isEqualTo(3);
    }

    /** Regression: a PASS used to end the analysis, so failed checks after a canary's first good one never counted. */
    @Test
    void aPassIsNotFinalFailedChecksAfterItStillRollBack() {
        ThresholdConfig perCheck = new ThresholdConfig(MINUTE, 99.0, Double.NaN, FailureCounting.TOTAL, 5, 5, 1, 50);
        List<Verdict> verdicts = run(perCheck, "PFFFFF");
        assertThat(verdicts.get(0)).isEqualTo(Verdict.PASS);
        assertThat(verdicts.subList(1, 5)).as("failed checks below the threshold hold")
                .containsOnly(Verdict.INCONCLUSIVE);
        assertThat(last(verdicts)).as("the fifth failed check rolls back").isEqualTo(Verdict.FAIL);
        assertThat(run(perCheck, "PFPFLP")).as("each verdict is the latest check's")
                .containsExactly(Verdict.PASS, Verdict.INCONCLUSIVE, Verdict.PASS, Verdict.INCONCLUSIVE,
                        Verdict.INCONCLUSIVE, Verdict.PASS);
        assertThat(run(perCheck, "PFFFFFPP")).as("FAIL is final").endsWith(Verdict.FAIL, Verdict.FAIL, Verdict.FAIL);
    }

    @Test
    void totalCountingRollsBackOnTheFifthFailureEvenWithPassesBetween() {
        List<Verdict> verdicts = run(FLAGGER, "FPFPFPFF");
        assertThat(verdicts.subList(0, 7)).containsOnly(Verdict.INCONCLUSIVE);
        assertThat(last(verdicts)).isEqualTo(Verdict.FAIL);
    }

    @Test
    void consecutiveCountingResetsOnAPass() {
        ThresholdConfig consecutive = FLAGGER.withCounting(FailureCounting.CONSECUTIVE, 5, 5);
        assertThat(run(consecutive, "FFFFPFFFF")).containsOnly(Verdict.INCONCLUSIVE);
        assertThat(last(run(consecutive, "FFFFPFFFFF"))).isEqualTo(Verdict.FAIL);
    }

    @Test
    void kOfNCountsFailuresAmongTheLastChecks() {
        ThresholdConfig threeOfFive = FLAGGER.withCounting(FailureCounting.K_OF_N, 3, 5);
        assertThat(last(run(threeOfFive, "FPFPF"))).isEqualTo(Verdict.FAIL);
        // F P P F P F with 3 of the last 4: never more than two failures in any four checks
        assertThat(run(threeOfFive.withCounting(FailureCounting.K_OF_N, 3, 4), "FPPFPF"))
                .containsOnly(Verdict.INCONCLUSIVE);
    }

    @Test
    void tooLittleTrafficIsInconclusiveNotAFailure() {
        List<Verdict> verdicts = run(FLAGGER, "LLLLLLLLLL");
        assertThat(verdicts).containsOnly(Verdict.INCONCLUSIVE);
        Judge judge = FLAGGER.newJudge();
        Judgement j = judge.observe(Windows.counts(0, MINUTE, 57_000, 570, 10, 5));
        assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(j.reason()).contains("too little traffic").contains("not counted");
    }

    @Test
    void aMetricSourceErrorIsNotAFailingCanary() {
        assertThat(run(FLAGGER, "MMMMMMMMMM")).containsOnly(Verdict.INCONCLUSIVE);
        assertThat(last(run(FLAGGER, "PMPMPMPP"))).isEqualTo(Verdict.PASS);
    }

    @Test
    void checksCoverTheIntervalAcrossShortWindows() {
        Judge judge = FLAGGER.newJudge();
        Duration second = Duration.ofSeconds(1);
        Judgement j = null;
        for (int s = 0; s < 60; s++) {
            j = judge.observe(Windows.counts(s, second, 950, 9, 50, s % 2)); // 30 errors in 3,000: 99.0%
            if (s < 59) {
                assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
                assertThat(j.reason()).contains("collecting check 1");
            }
        }
        Evidence rate = j.evidence().get(0);
        assertThat(rate.metric()).isEqualTo("successRate");
        assertThat(rate.value()).isEqualTo(99.0);
        assertThat(rate.bound()).isEqualTo(99.0);
        assertThat(rate.verdict()).isEqualTo(Verdict.PASS);
        assertThat(rate.canarySamples()).isEqualTo(3_000);
        assertThat(j.reason()).contains("check 1 passed").contains("1 of 5 successful checks");
    }

    @Test
    void p99AboveTheBoundFailsTheCheck() {
        Judge judge = ThresholdConfig.flaggerDefaults().newJudge();
        double[] bounds = LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS;
        long[] slow = new long[bounds.length + 1];
        slow[3] = 2_900; // (25, 50] ms
        slow[8] = 100; // (500, 750] ms: more than 1% above 500 ms
        Judgement j = judge.observe(Windows.full(0, MINUTE, 57_000, 0, 50, 3_000, 0, 60,
                LatencyHistogram.of(bounds, slow), LatencyPairs.NONE));
        Evidence p99 = j.evidence().get(1);
        assertThat(p99.metric()).isEqualTo("latencyP99");
        assertThat(p99.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(p99.value()).isGreaterThan(500).isLessThanOrEqualTo(750);
        assertThat(j.reason()).contains("p99 latency above threshold");
    }

    @Test
    void latencyWithoutAHistogramIsInconclusive() {
        Judge judge = ThresholdConfig.flaggerDefaults().newJudge();
        Judgement j = judge.observe(Windows.counts(0, MINUTE, 57_000, 0, 3_000, 0));
        assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(j.reason()).contains("latency not measured");
    }

    @Test
    void theVerdictStaysOnceReached() {
        Judge judge = FLAGGER.newJudge();
        for (int i = 0; i < 5; i++) {
            judge.observe(Windows.counts(i, MINUTE, 57_000, 570, 3_000, 60));
        }
        assertThat(judge.observe(Windows.counts(5, MINUTE, 57_000, 570, 3_000, 0)).verdict()).isEqualTo(Verdict.FAIL);
    }
}
