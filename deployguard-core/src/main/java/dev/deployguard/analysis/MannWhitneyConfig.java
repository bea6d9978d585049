package dev.deployguard.analysis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the {@link MannWhitneyJudge}, in Kayenta's terms.
 *
 * @param step the granularity of the metric series (Kayenta scope {@code step}, default 60 s)
 * @param analysisInterval how often a judgement runs ({@code analysisIntervalMins}; Kayenta defaults it to the
 *                         lifetime, i.e. a single judgement at the end)
 * @param lifetime the length of the whole analysis ({@code lifetimeDurationMins})
 * @param lookback ZERO for Kayenta's default growing window (all data since the start); otherwise a sliding window
 * @param passScore the final judgement passes at or above this score (Kayenta {@code pass}, 95)
 * @param marginalScore any judgement at or below this score fails the canary at once (Kayenta {@code marginal}, 75)
 * @param confidenceLevel of the Mann-Whitney interval (NetflixACAJudge uses 0.98)
 * @param tolerance the interval must clear this fraction of the Hodges-Lehmann estimate (NetflixACAJudge: 0.25)
 * @param metrics the metrics compared
 * @param groupWeights weights (summing to at most 100) of named groups; other groups share the rest equally
 * @param warmup Kayenta's {@code beginCanaryAnalysisAfterMins}: data before it is ignored, the lifetime starts after
 * @param strict {@code compat: strict}: too many metrics without data score 0 (fail) as in Kayenta, instead of
 *               holding
 */
public record MannWhitneyConfig(Duration step, Duration analysisInterval, Duration lifetime, Duration lookback,
                                double passScore, double marginalScore, double confidenceLevel, double tolerance,
                                List<MannWhitneyMetric> metrics, Map<String, Double> groupWeights, Duration warmup,
                                boolean strict)
        implements JudgeConfig {
    public MannWhitneyConfig(Duration step, Duration analysisInterval, Duration lifetime, Duration lookback,
                             double passScore, double marginalScore, double confidenceLevel, double tolerance,
                             List<MannWhitneyMetric> metrics, Map<String, Double> groupWeights) {
        this(step, analysisInterval, lifetime, lookback, passScore, marginalScore, confidenceLevel, tolerance,
                metrics, groupWeights, Duration.ZERO, false);
    }

    public MannWhitneyConfig {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(analysisInterval, "analysisInterval");
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(lookback, "lookback");
        Objects.requireNonNull(warmup, "warmup");
        metrics = List.copyOf(metrics);
        groupWeights = Map.copyOf(groupWeights);
        // Kayenta: an analysis interval longer than the lifetime is shrunk to the lifetime (one judgement).
        if (lifetime.compareTo(step) >= 0 && analysisInterval.compareTo(lifetime) > 0) {
            analysisInterval = lifetime;
        }
        if (step.isZero() || step.isNegative() || analysisInterval.compareTo(step) < 0
                || lifetime.compareTo(analysisInterval) < 0 || lookback.isNegative() || warmup.isNegative()) {
            throw new IllegalArgumentException("need 0 < step <= analysisInterval, step <= lifetime, lookback >= 0"
                    + " and warmup >= 0");
        }
        if (!(marginalScore >= 0 && marginalScore <= passScore && passScore <= 100)) {
            throw new IllegalArgumentException("need 0 <= marginalScore <= passScore <= 100");
        }
        if (!(confidenceLevel > 0 && confidenceLevel < 1) || !(tolerance >= 0)) {
            throw new IllegalArgumentException("need confidenceLevel within (0, 1) and tolerance >= 0");
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("at least one metric");
        }
    }

    /**
     * Kayenta's judge defaults (pass 95, marginal 75, 98% intervals, tolerance 0.25, 60 s steps, growing window)
     * with a one-hour lifetime judged every 15 minutes; metrics: error rate and mean latency, both failing only on
     * an increase, each in its own group of equal weight.
     */
    public static MannWhitneyConfig defaults() {
        return new MannWhitneyConfig(Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ZERO,
                95, 75, 0.98, 0.25,
                List.of(MannWhitneyMetric.of("errorRate", MannWhitneyMetric.Measure.ERROR_RATE, MetricDirection.INCREASE),
                        MannWhitneyMetric.of("latencyMean", MannWhitneyMetric.Measure.LATENCY_MEAN,
                                MetricDirection.INCREASE)),
                Map.of());
    }

    public MannWhitneyConfig withSchedule(Duration newInterval, Duration newLifetime) {
        return new MannWhitneyConfig(step, newInterval, newLifetime, lookback, passScore, marginalScore,
                confidenceLevel, tolerance, metrics, groupWeights, warmup, strict);
    }

    public MannWhitneyConfig withMetrics(List<MannWhitneyMetric> newMetrics) {
        return new MannWhitneyConfig(step, analysisInterval, lifetime, lookback, passScore, marginalScore,
                confidenceLevel, tolerance, newMetrics, groupWeights, warmup, strict);
    }

    public MannWhitneyConfig withWarmup(Duration newWarmup) {
        return new MannWhitneyConfig(step, analysisInterval, lifetime, lookback, passScore, marginalScore,
                confidenceLevel, tolerance, metrics, groupWeights, newWarmup, strict);
    }

    /** {@code compat: strict}: decide exactly as Kayenta, no-data included. */
    public MannWhitneyConfig asStrict() {
        return new MannWhitneyConfig(step, analysisInterval, lifetime, lookback, passScore, marginalScore,
                confidenceLevel, tolerance, metrics, groupWeights, warmup, true);
    }

    @Override
    public Judge newJudge() {
        return new MannWhitneyJudge(this);
    }
}
