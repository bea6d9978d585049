package dev.deployguard.server.deploy;

import dev.deployguard.analysis.FailureCounting;
import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.MannWhitneyConfig;
import dev.deployguard.analysis.MannWhitneyMetric;
import dev.deployguard.analysis.SequentialConfig;
import dev.deployguard.analysis.ThresholdConfig;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.rollout.AnalysisSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the judge a rollout's analysis spec asks for, with the spec's settings over each judge's defaults. */
public final class Analyses {
    private Analyses() {
    }

    public static Judge forSpec(AnalysisSpec spec) {
        return switch (spec.judge()) {
            case "threshold" -> {
                ThresholdConfig c = new ThresholdConfig(spec.interval(), spec.successRate(),
                        spec.latency() ? spec.maxLatencyMillis() : Double.NaN,
                        FailureCounting.TOTAL, spec.failureLimit(), spec.failureLimit(), 1, 50);
                yield (spec.strict() ? c.asStrict() : c).newJudge();
            }
            case "mannWhitney" -> mannWhitney(spec).newJudge();
            default -> SequentialConfig.defaults().withAlpha(spec.alpha()).withErrorTolerance(spec.tolerance())
                    .withMinTimeToPromote(spec.minDuration()).withLatency(spec.latency())
                    .withNegligibleErrorRate(spec.negligibleErrorRate())
                    .withLatencyComparison(spec.latencyComparison())
                    .withLatencyWarmup(spec.latencyWarmup(), spec.latencyWarmupRequests()).newJudge();
        };
    }

    /**
     * Kayenta's judge over the router's error rate and mean latency plus every relative custom metric of the
     * analysis, as Kayenta judges every metric of its canary config: each classified from its canary and stable
     * series, in a group of its own weighted by its {@code weight} (the built-ins weigh 1 each), {@code critical}
     * zeroing the score, {@code direction} saying which change counts, a dry run muted (classified and reported, not
     * scored). Absolute metrics have no baseline to compare with: only their conditions decide them.
     */
    static MannWhitneyConfig mannWhitney(AnalysisSpec spec) {
        Duration lifetime = spec.maxDuration();
        Duration every = lifetime.dividedBy(4).compareTo(spec.interval()) < 0 ? spec.interval()
                : lifetime.dividedBy(4);
        MannWhitneyConfig d = MannWhitneyConfig.defaults();
        List<MannWhitneyMetric> metrics = new ArrayList<>(d.metrics());
        Map<String, Double> weights = new LinkedHashMap<>();
        d.metrics().forEach(m -> weights.put(m.name(), 1.0));
        for (MetricDefinition m : spec.metrics()) {
            if (!m.relative()) {
                continue;
            }
            MannWhitneyMetric k = new MannWhitneyMetric(m.name(), MannWhitneyMetric.Measure.PROVIDED, m.direction(),
                    m.critical(), false, MannWhitneyMetric.EffectSize.defaults(MannWhitneyMetric.EffectMeasure.MEAN_RATIO),
                    List.of(m.name()));
            metrics.add(m.dryRun() ? k.withPreprocessing(new MannWhitneyMetric.Preprocessing(
                    MannWhitneyMetric.Preprocessing.DEFAULTS.nanStrategy(), false, 3.0, true)) : k);
            if (!m.dryRun()) {
                weights.put(m.name(), m.weight());
            }
        }
        Map<String, Double> groupWeights = new LinkedHashMap<>();
        if (metrics.size() > d.metrics().size()) {
            // Kayenta's groupWeights are percentages: each metric's weight over the scored metrics' total.
            double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
            weights.forEach((name, w) -> groupWeights.put(name, 100 * w / total));
        }
        MannWhitneyConfig c = new MannWhitneyConfig(spec.interval(), every, lifetime, d.lookback(),
                d.passScore(), d.marginalScore(), d.confidenceLevel(), d.tolerance(), metrics, groupWeights);
        return spec.strict() ? c.asStrict() : c;
    }
}
