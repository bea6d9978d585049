package dev.deployguard.analysis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link ThresholdJudge}, in Flagger's and Argo Rollouts' terms.
 *
 * @param interval how long each check's window is (Flagger {@code interval})
 * @param minSuccessRatePercent a check fails when the canary's success rate is below this (Flagger's
 *                              {@code request-success-rate} {@code thresholdRange.min})
 * @param maxP99Millis a check fails when the canary's p99 latency is above this (Flagger's {@code request-duration}
 *                     {@code thresholdRange.max}); NaN to not check latency
 * @param counting how failed checks are counted
 * @param failureThreshold how many failed checks roll back (Flagger {@code threshold}, Argo {@code failureLimit})
 * @param failureWindow the n of k-of-n counting (ignored otherwise)
 * @param checksToPromote successful checks before PASS (Flagger: maxWeight / stepWeight)
 * @param minRequestsPerCheck a check with fewer canary requests is INCONCLUSIVE, not failed
 * @param strict {@code compat: strict}: decide as Flagger (fluxcd/flagger pkg/controller/scheduler_metrics.go): a
 *               check with no canary traffic, no latency values or a metric source error is a failed check, and
 *               any traffic is judged ({@code minRequestsPerCheck} is not applied)
 */
public record ThresholdConfig(Duration interval, double minSuccessRatePercent, double maxP99Millis,
                              FailureCounting counting, int failureThreshold, int failureWindow, int checksToPromote,
                              long minRequestsPerCheck, boolean strict) implements JudgeConfig {
    /** DeployGuard's default: no data or a source error holds (an inconclusive check). */
    public ThresholdConfig(Duration interval, double minSuccessRatePercent, double maxP99Millis,
                           FailureCounting counting, int failureThreshold, int failureWindow, int checksToPromote,
                           long minRequestsPerCheck) {
        this(interval, minSuccessRatePercent, maxP99Millis, counting, failureThreshold, failureWindow,
                checksToPromote, minRequestsPerCheck, false);
    }

    public ThresholdConfig {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(counting, "counting");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (!(minSuccessRatePercent >= 0 && minSuccessRatePercent <= 100)) {
            throw new IllegalArgumentException("minSuccessRatePercent must be within [0, 100]");
        }
        if (maxP99Millis <= 0) {
            throw new IllegalArgumentException("maxP99Millis must be positive (or NaN to skip latency)");
        }
        if (failureThreshold < 1 || checksToPromote < 1 || minRequestsPerCheck < 0) {
            throw new IllegalArgumentException("failureThreshold and checksToPromote must be at least 1");
        }
        if (counting == FailureCounting.K_OF_N && failureWindow < failureThreshold) {
            throw new IllegalArgumentException("k-of-n needs failureWindow >= failureThreshold");
        }
    }

    /**
     * Flagger's documented defaults: checks every minute, success rate at least 99%, p99 at most 500 ms, roll back
     * after 5 failed checks in total, promote after maxWeight 50 / stepWeight 10 = 5 successful checks; plus
     * DeployGuard's minimum of 50 canary requests per check.
     */
    public static ThresholdConfig flaggerDefaults() {
        return new ThresholdConfig(Duration.ofMinutes(1), 99.0, 500.0, FailureCounting.TOTAL, 5, 5, 5, 50);
    }

    /** Flagger's shorthand: promotion after maxWeight / stepWeight successful checks. */
    public static ThresholdConfig flagger(Duration interval, int threshold, int stepWeight, int maxWeight,
                                          double minSuccessRatePercent, double maxP99Millis) {
        if (stepWeight < 1 || maxWeight < stepWeight) {
            throw new IllegalArgumentException("need 1 <= stepWeight <= maxWeight");
        }
        return new ThresholdConfig(interval, minSuccessRatePercent, maxP99Millis, FailureCounting.TOTAL, threshold,
                threshold, (maxWeight + stepWeight - 1) / stepWeight, 50);
    }

    public ThresholdConfig withCounting(FailureCounting value, int threshold, int window) {
        return new ThresholdConfig(interval, minSuccessRatePercent, maxP99Millis, value, threshold, window,
                checksToPromote, minRequestsPerCheck, strict);
    }

    public ThresholdConfig withMinSuccessRate(double percent) {
        return new ThresholdConfig(interval, percent, maxP99Millis, counting, failureThreshold, failureWindow,
                checksToPromote, minRequestsPerCheck, strict);
    }

    public ThresholdConfig withMaxP99(double millis) {
        return new ThresholdConfig(interval, minSuccessRatePercent, millis, counting, failureThreshold, failureWindow,
                checksToPromote, minRequestsPerCheck, strict);
    }

    /** {@code compat: strict}: no data and source errors are failed checks, as in Flagger. */
    public ThresholdConfig asStrict() {
        return new ThresholdConfig(interval, minSuccessRatePercent, maxP99Millis, counting, failureThreshold,
                failureWindow, checksToPromote, minRequestsPerCheck, true);
    }

    public boolean checksLatency() {
        return !Double.isNaN(maxP99Millis);
    }

    @Override
    public Judge newJudge() {
        return new ThresholdJudge(this);
    }
}
