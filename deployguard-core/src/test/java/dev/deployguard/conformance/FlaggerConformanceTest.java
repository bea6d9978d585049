package dev.deployguard.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.rollout.FlaggerProgression;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flagger conformance: the canary weights and the promotion traffic shift as fluxcd/flagger computes them.
 * Each case names the file of fluxcd/flagger at {@link #COMMIT} it is derived from (its docs, its scheduler
 * tests, or the scheduler's rules); expected weights are written out as Flagger's docs state them, in percent.
 */
class FlaggerConformanceTest {
    static final String REPOSITORY = "fluxcd/flagger";
    static final String COMMIT = "15bd6ad555e6c935da55f0ab95977be74c149bd6";

    /** file | case | stepWeight | maxWeight (0 = unset) | stepWeights | canary weights until promotion. */
    private static final List<String> PROGRESSIONS = List.of(
            "docs/gitbook/usage/deployment-strategies.md | docs example: stepWeight 20, maxWeight 50 overshoots to 60 | 20 | 50 |  | 20 40 60",
            "docs/gitbook/usage/deployment-strategies.md | docs example: stepWeights [1, 2, 10, 80] | 0 | 0 | 1 2 10 80 | 1 2 10 80",
            "docs/gitbook/usage/deployment-strategies.md | docs example: stepWeight 2, maxWeight 50 (25 intervals) | 2 | 50 |  | 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 32 34 36 38 40 42 44 46 48 50",
            "docs/gitbook/usage/deployment-strategies.md | docs example: stepWeight 5, maxWeight 50 | 5 | 50 |  | 5 10 15 20 25 30 35 40 45 50",
            "pkg/controller/scheduler_svc_test.go | TestScheduler_ServicePromotionMaxWeight: stepWeight 50, maxWeight 100 | 50 | 100 |  | 50 100",
            "pkg/controller/scheduler_svc_test.go | TestScheduler_ServicePromotionWithWeightsHappyCase: [1, 2, 10, 80] | 0 | 0 | 1 2 10 80 | 1 2 10 80",
            "pkg/controller/scheduler_svc_test.go | TestScheduler_ServicePromotionWithWeightsOverflow: [1, 2, 10, 200] capped at 100 | 0 | 0 | 1 2 10 200 | 1 2 10 100",
            "pkg/controller/scheduler_deployment_test.go | TestScheduler_DeploymentAnalysisPhases: stepWeight 100 | 100 | 0 |  | 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 1, maxWeight 50 | 1 | 50 |  | 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50",
            "pkg/controller/scheduler.go | runCanary: stepWeight 1, maxWeight 100 | 1 | 100 |  | 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 3, maxWeight 50 | 3 | 50 |  | 3 6 9 12 15 18 21 24 27 30 33 36 39 42 45 48 51",
            "pkg/controller/scheduler.go | runCanary: stepWeight 3, maxWeight 100 | 3 | 100 |  | 3 6 9 12 15 18 21 24 27 30 33 36 39 42 45 48 51 54 57 60 63 66 69 72 75 78 81 84 87 90 93 96 99 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 7, maxWeight 50 | 7 | 50 |  | 7 14 21 28 35 42 49 56",
            "pkg/controller/scheduler.go | runCanary: stepWeight 7, maxWeight 100 | 7 | 100 |  | 7 14 21 28 35 42 49 56 63 70 77 84 91 98 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 10, maxWeight 50 | 10 | 50 |  | 10 20 30 40 50",
            "pkg/controller/scheduler.go | runCanary: stepWeight 10, maxWeight 100 | 10 | 100 |  | 10 20 30 40 50 60 70 80 90 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 15, maxWeight 50 | 15 | 50 |  | 15 30 45 60",
            "pkg/controller/scheduler.go | runCanary: stepWeight 15, maxWeight 100 | 15 | 100 |  | 15 30 45 60 75 90 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 20, maxWeight 50 | 20 | 50 |  | 20 40 60",
            "pkg/controller/scheduler.go | runCanary: stepWeight 20, maxWeight 100 | 20 | 100 |  | 20 40 60 80 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 25, maxWeight 50 | 25 | 50 |  | 25 50",
            "pkg/controller/scheduler.go | runCanary: stepWeight 25, maxWeight 100 | 25 | 100 |  | 25 50 75 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 30, maxWeight 50 | 30 | 50 |  | 30 60",
            "pkg/controller/scheduler.go | runCanary: stepWeight 30, maxWeight 100 | 30 | 100 |  | 30 60 90 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 33, maxWeight 50 | 33 | 50 |  | 33 66",
            "pkg/controller/scheduler.go | runCanary: stepWeight 33, maxWeight 100 | 33 | 100 |  | 33 66 99 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 40, maxWeight 50 | 40 | 50 |  | 40 80",
            "pkg/controller/scheduler.go | runCanary: stepWeight 40, maxWeight 100 | 40 | 100 |  | 40 80 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 45, maxWeight 50 | 45 | 50 |  | 45 90",
            "pkg/controller/scheduler.go | runCanary: stepWeight 45, maxWeight 100 | 45 | 100 |  | 45 90 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 60, maxWeight 50 | 60 | 50 |  | 60",
            "pkg/controller/scheduler.go | runCanary: stepWeight 60, maxWeight 75 | 60 | 75 |  | 60 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 60, maxWeight 100 | 60 | 100 |  | 60 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 70, maxWeight 50 | 70 | 50 |  | 70",
            "pkg/controller/scheduler.go | runCanary: stepWeight 70, maxWeight 75 | 70 | 75 |  | 70 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 70, maxWeight 100 | 70 | 100 |  | 70 100",
            "pkg/controller/scheduler.go | runCanary: stepWeight 99, maxWeight 50 | 99 | 50 |  | 99",
            "pkg/controller/scheduler.go | runCanary: stepWeight 99, maxWeight 75 | 99 | 75 |  | 99",
            "pkg/controller/scheduler.go | runCanary: stepWeight 99, maxWeight 100 | 99 | 100 |  | 99 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 10, maxWeight unset (total) | 10 | 0 |  | 10 20 30 40 50 60 70 80 90 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 25, maxWeight unset (total) | 25 | 0 |  | 25 50 75 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 30, maxWeight unset (total) | 30 | 0 |  | 30 60 90 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 10, maxWeight 55 | 10 | 55 |  | 10 20 30 40 50 60",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 10, maxWeight 95 | 10 | 95 |  | 10 20 30 40 50 60 70 80 90 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 50, maxWeight 50 | 50 | 50 |  | 50",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 50, maxWeight 51 | 50 | 51 |  | 50 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 40, maxWeight 90 | 40 | 90 |  | 40 80 100",
            "pkg/controller/scheduler.go | maxWeight(): stepWeight 12, maxWeight 35 | 12 | 35 |  | 12 24 36",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [5, 10, 20, 40] | 0 | 0 | 5 10 20 40 | 5 10 20 40",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [50] | 0 | 0 | 50 | 50",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [100] | 0 | 0 | 100 | 100",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [1, 100] | 0 | 0 | 1 100 | 1 100",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [25, 50, 75] | 0 | 0 | 25 50 75 | 25 50 75",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [1, 5, 25, 50] | 0 | 0 | 1 5 25 50 | 1 5 25 50",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [10, 20, 30, 40, 50] | 0 | 0 | 10 20 30 40 50 | 10 20 30 40 50",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [2, 4, 8, 16, 32, 64] | 0 | 0 | 2 4 8 16 32 64 | 2 4 8 16 32 64",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [5, 150] | 0 | 0 | 5 150 | 5 100",
            "pkg/controller/scheduler.go | nextStepWeight(): stepWeights [33, 66, 99] | 0 | 0 | 33 66 99 | 33 66 99",
            "pkg/controller/scheduler.go | stepWeight wins over stepWeights, maximum from their last: 20 with [1, 2, 50] | 20 | 0 | 1 2 50 | 20 40 60",
            "pkg/controller/scheduler.go | stepWeight wins over stepWeights, maximum from their last ignoring maxWeight: 30, max 90, [10, 40] | 30 | 90 | 10 40 | 30 60",
            "pkg/controller/scheduler.go | stepWeights beat maxWeight: [10, 30] with maxWeight 80 | 0 | 80 | 10 30 | 10 30");

    /** file | case | canary weight at promotion | stepWeightPromotion | primary weights until it has all. */
    private static final List<String> PROMOTIONS = List.of(
            "pkg/controller/scheduler_deployment_test.go | TestScheduler_DeploymentAnalysisPhases: canary 100, stepWeightPromotion 50 | 100 | 50 | 50 100",
            "docs/gitbook/usage/deployment-strategies.md | docs: stepWeightPromotion 100 (default) switches at once | 50 | 100 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 60, stepWeightPromotion 30 | 60 | 30 | 70 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 60, stepWeightPromotion 20 | 60 | 20 | 60 80 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 60, stepWeightPromotion 25 | 60 | 25 | 65 90 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 50, stepWeightPromotion 50 | 50 | 50 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 50, stepWeightPromotion 10 | 50 | 10 | 60 70 80 90 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 80, stepWeightPromotion 15 | 80 | 15 | 35 50 65 80 95 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 40, stepWeightPromotion 100 | 40 | 100 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 30, stepWeightPromotion 7 | 30 | 7 | 77 84 91 98 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 100, stepWeightPromotion 30 | 100 | 30 | 30 60 90 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 100, stepWeightPromotion 1 | 100 | 1 | 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 10, stepWeightPromotion 20 | 10 | 20 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 60, stepWeightPromotion 0 | 60 | 0 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 0, stepWeightPromotion 50 | 0 | 50 | 100",
            "pkg/controller/scheduler.go | runPromotionTrafficShift: canary 99, stepWeightPromotion 50 | 99 | 50 | 51 100");

    static Stream<String> progressions() {
        return PROGRESSIONS.stream();
    }

    static Stream<String> promotions() {
        return PROMOTIONS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("progressions")
    void canaryWeightsAsFlaggerStepsThem(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        FlaggerProgression progression = new FlaggerProgression(bp(f[2]), bp(f[3]), percents(f[4]));

        List<Integer> weights = progression.canaryWeights();

        assertThat(weights).as("%s@%s %s: %s", REPOSITORY, COMMIT, f[0], f[1]).isEqualTo(percents(f[5]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promotions")
    void promotionShiftsAsFlaggerShiftsIt(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);

        List<Integer> primary = FlaggerProgression.promotionPrimaryWeights(bp(f[2]), bp(f[3]));

        assertThat(primary).as("%s@%s %s: %s", REPOSITORY, COMMIT, f[0], f[1]).isEqualTo(percents(f[4]));
    }

    private static int bp(String percent) {
        return Integer.parseInt(percent) * 100;
    }

    private static List<Integer> percents(String list) {
        return list.isBlank() ? List.of() : Arrays.stream(list.trim().split(" ")).map(FlaggerConformanceTest::bp).toList();
    }
}
