package dev.deployguard.analysis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link SequentialJudge}. Rolling back and promoting are two separate anytime-valid decisions:
 * roll back when the e-value against "canary no worse than stable by more than the tolerance" reaches 1/alpha;
 * promote when the confidence sequence shows the canary better than the (wider) promote bound. Ratios between the
 * tolerance and the promote bound are an indifference zone where either outcome is acceptable; it is what lets a
 * good canary be promoted in minutes while regressions just above the tolerance are still caught.
 *
 * @param alpha bound on the probability that a canary within tolerance on every metric is ever rolled back
 * @param promoteAlpha error level of the confidence sequences that allow promotion
 * @param priorStrength k: the Beta(k·rho, k·(1−rho)) mixing prior's weight, in events
 * @param errorTolerance roll back only if the canary's error rate exceeds stable's by more than this (0.1 = 10%)
 * @param errorPromoteRatio promote when the rate ratio's upper confidence bound is below this
 * @param negligibleErrorRate errors also allow promotion when the canary's own error rate is confidently below this,
 *                            so a release of an app that (almost) never errs is not held forever
 * @param judgeLatency whether latency is judged (sign test on time-paired requests)
 * @param latencyTolerance roll back only if the odds of "canary slower" exceed 1 + this
 * @param latencyPromoteRatio promote when the upper confidence bound of those odds is below this
 * @param minTimeToPromote no PASS before the canary has been watched this long
 * @param minCanaryRequestsToPromote no PASS before the canary has served this many requests
 */
public record SequentialConfig(double alpha, double promoteAlpha, double priorStrength,
                               double errorTolerance, double errorPromoteRatio, double negligibleErrorRate,
                               boolean judgeLatency, double latencyTolerance, double latencyPromoteRatio,
                               Duration minTimeToPromote, long minCanaryRequestsToPromote) implements JudgeConfig {
    public SequentialConfig {
        Objects.requireNonNull(minTimeToPromote, "minTimeToPromote");
        requireOpenUnit(alpha, "alpha");
        requireOpenUnit(promoteAlpha, "promoteAlpha");
        if (!(priorStrength > 0) || Double.isInfinite(priorStrength)) {
            throw new IllegalArgumentException("priorStrength must be positive");
        }
        if (!(errorTolerance >= 0) || !(errorPromoteRatio >= 1 + errorTolerance) || Double.isInfinite(errorPromoteRatio)) {
            throw new IllegalArgumentException("need errorTolerance >= 0 and errorPromoteRatio >= 1 + errorTolerance");
        }
        if (!(latencyTolerance >= 0) || !(latencyPromoteRatio >= 1 + latencyTolerance)
                || Double.isInfinite(latencyPromoteRatio)) {
            throw new IllegalArgumentException("need latencyTolerance >= 0 and latencyPromoteRatio >= 1 + latencyTolerance");
        }
        if (!(negligibleErrorRate >= 0 && negligibleErrorRate < 1)) {
            throw new IllegalArgumentException("negligibleErrorRate must be within [0, 1)");
        }
        if (minTimeToPromote.isNegative() || minCanaryRequestsToPromote < 0) {
            throw new IllegalArgumentException("promotion minimums must not be negative");
        }
    }

    /**
     * alpha 1%, promote at 5%, k = 100; errors: tolerance 10%, promote below 1.3×, negligible below 0.1%; latency:
     * odds tolerance 4% (P(canary slower) ≤ 0.51), promote below odds 1.08 (P ≈ 0.519); at least 60 s and 200
     * canary requests before PASS. For log-normal latencies with sigma 0.5 the latency odds 1.04 and 1.08 are a
     * canary about 1.7% and 3.5% slower.
     */
    public static SequentialConfig defaults() {
        return new SequentialConfig(0.01, 0.05, 100, 0.10, 1.3, 0.001, true, 0.04, 1.08, Duration.ofSeconds(60), 200);
    }

    public SequentialConfig withAlpha(double value) {
        return new SequentialConfig(value, promoteAlpha, priorStrength, errorTolerance, errorPromoteRatio,
                negligibleErrorRate, judgeLatency, latencyTolerance, latencyPromoteRatio, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    /** Sets the error tolerance, widening the promote bound if it would fall inside it. */
    public SequentialConfig withErrorTolerance(double value) {
        return new SequentialConfig(alpha, promoteAlpha, priorStrength, value, Math.max(errorPromoteRatio, 1 + value),
                negligibleErrorRate, judgeLatency, latencyTolerance, latencyPromoteRatio, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    public SequentialConfig withLatency(boolean value) {
        return new SequentialConfig(alpha, promoteAlpha, priorStrength, errorTolerance, errorPromoteRatio,
                negligibleErrorRate, value, latencyTolerance, latencyPromoteRatio, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    public SequentialConfig withNegligibleErrorRate(double value) {
        return new SequentialConfig(alpha, promoteAlpha, priorStrength, errorTolerance, errorPromoteRatio, value,
                judgeLatency, latencyTolerance, latencyPromoteRatio, minTimeToPromote, minCanaryRequestsToPromote);
    }

    public SequentialConfig withMinTimeToPromote(Duration value) {
        return new SequentialConfig(alpha, promoteAlpha, priorStrength, errorTolerance, errorPromoteRatio,
                negligibleErrorRate, judgeLatency, latencyTolerance, latencyPromoteRatio, value,
                minCanaryRequestsToPromote);
    }

    @Override
    public Judge newJudge() {
        return new SequentialJudge(this);
    }

    private static void requireOpenUnit(double value, String name) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be within (0, 1), was " + value);
        }
    }
}
