package dev.deployguard.analysis;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link SequentialJudge}. Rolling back and promoting are two separate anytime-valid decisions:
 * roll back when the e-value against "the canary is no worse than the tolerance" reaches 1/alpha; promote when the
 * e-value against "the canary is at least the promote bound worse" reaches 1/promoteAlpha. Ratios between the
 * tolerance and the promote bound are an indifference zone where either outcome is acceptable; it is what lets a
 * good canary be promoted in a minute or two while a canary with twice the errors is rolled back in seconds.
 *
 * @param alpha bound on the probability that a canary within tolerance on every metric is ever rolled back
 * @param promoteAlpha bound, per metric, on the probability of promoting a canary at or beyond its promote bound
 * @param errorTolerance roll back only if the canary's error rate exceeds stable's by more than this (0 = any
 *                       evidence that it is worse; 0.1 = more than 10% worse)
 * @param errorPromoteRatio promote when the error-rate ratio is shown to be below this
 * @param negligibleErrorRate errors also allow promotion when the canary's own error rate is confidently below this,
 *                            so a release of an app that (almost) never errs is not held forever
 * @param judgeLatency whether latency is judged (a sign test on time-paired requests)
 * @param latency when a canary request counts as slower than its stable pair (relative and absolute margins)
 * @param latencyWarmup latency evidence of the canary's first moments is ignored (a cold JVM, empty caches)
 * @param latencyWarmupRequests ... and of its first requests; latency is judged once both are past
 * @param minTimeToPromote no PASS before the canary has been watched this long
 * @param minCanaryRequestsToPromote no PASS before the canary has served this many requests
 */
public record SequentialConfig(double alpha, double promoteAlpha, double errorTolerance, double errorPromoteRatio,
                               double negligibleErrorRate, boolean judgeLatency, LatencyComparison latency,
                               Duration latencyWarmup, long latencyWarmupRequests, Duration minTimeToPromote,
                               long minCanaryRequestsToPromote) implements JudgeConfig {
    public SequentialConfig {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(latencyWarmup, "latencyWarmup");
        Objects.requireNonNull(minTimeToPromote, "minTimeToPromote");
        requireOpenUnit(alpha, "alpha");
        requireOpenUnit(promoteAlpha, "promoteAlpha");
        if (!(errorTolerance >= 0) || !(errorPromoteRatio >= 1 + errorTolerance) || Double.isInfinite(errorPromoteRatio)) {
            throw new IllegalArgumentException("need errorTolerance >= 0 and errorPromoteRatio >= 1 + errorTolerance");
        }
        if (!(negligibleErrorRate >= 0 && negligibleErrorRate < 1)) {
            throw new IllegalArgumentException("negligibleErrorRate must be within [0, 1)");
        }
        if (latencyWarmup.isNegative() || latencyWarmupRequests < 0 || minTimeToPromote.isNegative()
                || minCanaryRequestsToPromote < 0) {
            throw new IllegalArgumentException("warm-up and promotion minimums must not be negative");
        }
    }

    /**
     * alpha 1%, promote at 5%; errors: roll back on evidence of any increase (tolerance 0), promote once the ratio is
     * shown below 1.5×, or the canary's own rate below 0.1%; latency: a request counts as slower beyond
     * 1.1 × stable + 5 ms, judged after a warm-up of 60 s and 200 canary requests; at least 60 s and 200 canary
     * requests before PASS.
     */
    public static SequentialConfig defaults() {
        return new SequentialConfig(0.01, 0.05, 0, 1.5, 0.001, true, new LatencyComparison(0.10, 5),
                Duration.ofSeconds(60), 200, Duration.ofSeconds(60), 200);
    }

    public SequentialConfig withAlpha(double value) {
        return new SequentialConfig(value, promoteAlpha, errorTolerance, errorPromoteRatio, negligibleErrorRate,
                judgeLatency, latency, latencyWarmup, latencyWarmupRequests, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    /** Sets the error tolerance, widening the promote bound if it would fall inside it. */
    public SequentialConfig withErrorTolerance(double value) {
        return new SequentialConfig(alpha, promoteAlpha, value, Math.max(errorPromoteRatio, 1 + value),
                negligibleErrorRate, judgeLatency, latency, latencyWarmup, latencyWarmupRequests, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    public SequentialConfig withLatency(boolean value) {
        return new SequentialConfig(alpha, promoteAlpha, errorTolerance, errorPromoteRatio, negligibleErrorRate,
                value, latency, latencyWarmup, latencyWarmupRequests, minTimeToPromote, minCanaryRequestsToPromote);
    }

    public SequentialConfig withLatencyComparison(LatencyComparison value) {
        return new SequentialConfig(alpha, promoteAlpha, errorTolerance, errorPromoteRatio, negligibleErrorRate,
                judgeLatency, value, latencyWarmup, latencyWarmupRequests, minTimeToPromote,
                minCanaryRequestsToPromote);
    }

    public SequentialConfig withLatencyWarmup(Duration time, long requests) {
        return new SequentialConfig(alpha, promoteAlpha, errorTolerance, errorPromoteRatio, negligibleErrorRate,
                judgeLatency, latency, time, requests, minTimeToPromote, minCanaryRequestsToPromote);
    }

    public SequentialConfig withNegligibleErrorRate(double value) {
        return new SequentialConfig(alpha, promoteAlpha, errorTolerance, errorPromoteRatio, value, judgeLatency,
                latency, latencyWarmup, latencyWarmupRequests, minTimeToPromote, minCanaryRequestsToPromote);
    }

    public SequentialConfig withMinTimeToPromote(Duration value) {
        return new SequentialConfig(alpha, promoteAlpha, errorTolerance, errorPromoteRatio, negligibleErrorRate,
                judgeLatency, latency, latencyWarmup, latencyWarmupRequests, value, minCanaryRequestsToPromote);
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
