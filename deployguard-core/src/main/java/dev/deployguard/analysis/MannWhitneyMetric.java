package dev.deployguard.analysis;

import java.util.List;
import java.util.Objects;

/**
 * One metric of a Kayenta-style canary config: what is measured per step, which direction is bad, whether it is
 * critical, and the effect size a change must reach to count.
 *
 * @param name the metric's name in evidence
 * @param measure the per-step value compared between canary and baseline
 * @param direction which change fails the metric
 * @param critical a critical metric that fails sets the whole score to 0
 * @param mustHaveData missing data fails the metric instead of leaving it out (Kayenta {@code mustHaveData})
 * @param effectSize how large a change must be to count
 * @param groups the score groups the metric belongs to
 * @param preprocessing Kayenta's NaN strategy, outlier removal and muting
 */
public record MannWhitneyMetric(String name, Measure measure, MetricDirection direction, boolean critical,
                                boolean mustHaveData, EffectSize effectSize, List<String> groups,
                                Preprocessing preprocessing) {
    /**
     * Kayenta's per-metric {@code nanStrategy}, {@code outliers: {strategy, outlierFactor}} and {@code muted}: a
     * muted metric is classified and reported but left out of the score.
     */
    public record Preprocessing(KayentaTransforms.NanStrategy nanStrategy, boolean removeOutliers,
                                double outlierFactor, boolean muted) {
        /** Kayenta's defaults: remove NaNs, keep outliers (factor 3.0 when removal is turned on), not muted. */
        public static final Preprocessing DEFAULTS =
                new Preprocessing(KayentaTransforms.NanStrategy.REMOVE, false, 3.0, false);

        public Preprocessing {
            Objects.requireNonNull(nanStrategy, "nanStrategy");
            if (!(outlierFactor > 0)) {
                throw new IllegalArgumentException("outlierFactor must be greater than zero");
            }
        }
    }

    /** The per-step value of a track. */
    public enum Measure {
        /** Errors per request in the step. */
        ERROR_RATE,
        /** Mean latency in the step, milliseconds. */
        LATENCY_MEAN,
        /** p99 latency in the step from the latency histogram, milliseconds. */
        LATENCY_P99,
        /**
         * A custom metric's values: one per measurement of its provider, fed by {@link Judge#observeMetric} rather
         * than read from the router's windows (Kayenta's metrics are all of this kind).
         */
        PROVIDED;

        double of(TrackWindow window) {
            return switch (this) {
                case ERROR_RATE -> window.errorRate();
                case LATENCY_MEAN -> window.meanLatencyMillis();
                case LATENCY_P99 -> window.histogram().quantile(0.99);
                case PROVIDED -> Double.NaN;
            };
        }
    }

    /** Kayenta's effect-size measures. */
    public enum EffectMeasure {
        /** mean(canary) / mean(baseline). */
        MEAN_RATIO,
        /** Common-language effect size: the share of (canary, baseline) pairs where the canary is higher. */
        CLES
    }

    /**
     * A change only counts when its effect size reaches {@code allowedIncrease} (or falls to {@code allowedDecrease});
     * a critical metric only zeroes the score beyond the critical bounds. Kayenta's defaults are 1.0 for the mean
     * ratio and 0.5 for CLES, i.e. any effect in the bad direction counts.
     */
    public record EffectSize(EffectMeasure measure, double allowedIncrease, double allowedDecrease,
                             double criticalIncrease, double criticalDecrease) {
        public EffectSize {
            Objects.requireNonNull(measure, "measure");
        }

        public static EffectSize defaults(EffectMeasure measure) {
            double neutral = measure == EffectMeasure.CLES ? 0.5 : 1.0;
            return new EffectSize(measure, neutral, neutral, neutral, neutral);
        }
    }

    public MannWhitneyMetric(String name, Measure measure, MetricDirection direction, boolean critical,
                             boolean mustHaveData, EffectSize effectSize, List<String> groups) {
        this(name, measure, direction, critical, mustHaveData, effectSize, groups, Preprocessing.DEFAULTS);
    }

    public MannWhitneyMetric {
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(measure, "measure");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(effectSize, "effectSize");
        groups = List.copyOf(groups);
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a metric belongs to at least one group");
        }
    }

    /** A non-critical metric in a group of its own, with Kayenta's default effect size. */
    public static MannWhitneyMetric of(String name, Measure measure, MetricDirection direction) {
        return new MannWhitneyMetric(name, measure, direction, false, false,
                EffectSize.defaults(EffectMeasure.MEAN_RATIO), List.of(name));
    }

    public MannWhitneyMetric asCritical() {
        return new MannWhitneyMetric(name, measure, direction, true, mustHaveData, effectSize, groups, preprocessing);
    }

    public MannWhitneyMetric withPreprocessing(Preprocessing newPreprocessing) {
        return new MannWhitneyMetric(name, measure, direction, critical, mustHaveData, effectSize, groups,
                newPreprocessing);
    }
}
