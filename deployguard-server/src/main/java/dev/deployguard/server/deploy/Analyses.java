package dev.deployguard.server.deploy;

import dev.deployguard.analysis.FailureCounting;
import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.MannWhitneyConfig;
import dev.deployguard.analysis.SequentialConfig;
import dev.deployguard.analysis.ThresholdConfig;
import dev.deployguard.rollout.AnalysisSpec;
import java.time.Duration;

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
            case "mannWhitney" -> {
                Duration lifetime = spec.maxDuration();
                Duration every = lifetime.dividedBy(4).compareTo(spec.interval()) < 0 ? spec.interval()
                        : lifetime.dividedBy(4);
                MannWhitneyConfig d = MannWhitneyConfig.defaults();
                MannWhitneyConfig c = new MannWhitneyConfig(spec.interval(), every, lifetime, d.lookback(),
                        d.passScore(), d.marginalScore(), d.confidenceLevel(), d.tolerance(), d.metrics(),
                        d.groupWeights());
                yield (spec.strict() ? c.asStrict() : c).newJudge();
            }
            default -> SequentialConfig.defaults().withAlpha(spec.alpha()).withErrorTolerance(spec.tolerance())
                    .withMinTimeToPromote(spec.minDuration()).withLatency(spec.latency())
                    .withNegligibleErrorRate(spec.negligibleErrorRate())
                    .withLatencyComparison(spec.latencyComparison())
                    .withLatencyWarmup(spec.latencyWarmup(), spec.latencyWarmupRequests()).newJudge();
        };
    }
}
