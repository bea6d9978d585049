package dev.deployguard.bench.detection;

import dev.deployguard.analysis.Evidence;
import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import java.time.Instant;
import java.util.List;

/**
 * The limit no practical judge can beat: Wald's SPRT of the error-rate ratio that knows the alternative in advance
 * (the scenario's true ratio), against the sequential judge's null (ratio ≤ 1 + tolerance), rolling back when the
 * likelihood ratio reaches 1/alpha (a martingale under the null, so the same false-rollback bound holds). It only
 * rolls back; it never promotes. Benchmark only: no user knows the regression before it happens.
 */
final class OracleSprt implements Judge {
    private final double nullRatio;
    private final double alternativeRatio;
    private final double threshold;
    private double logLikelihoodRatio;
    private boolean failed;
    private Instant from;
    private Instant to;

    OracleSprt(double nullRatio, double alternativeRatio, double alpha) {
        this.nullRatio = nullRatio;
        this.alternativeRatio = alternativeRatio;
        this.threshold = -Math.log(alpha);
    }

    @Override
    public String name() {
        return "oracle_sprt";
    }

    @Override
    public Verdict update(WindowObservation window) {
        from = from == null ? window.start() : from;
        to = window.end();
        double share = window.canaryShare();
        if (failed || window.isMissing() || share <= 0 || share >= 1) {
            return verdict();
        }
        double q0 = share * nullRatio / (share * nullRatio + 1 - share);
        double q1 = share * alternativeRatio / (share * alternativeRatio + 1 - share);
        logLikelihoodRatio += window.canary().errors() * Math.log(q1 / q0)
                + window.stable().errors() * Math.log((1 - q1) / (1 - q0));
        failed = logLikelihoodRatio >= threshold;
        return verdict();
    }

    private Verdict verdict() {
        return failed ? Verdict.FAIL : Verdict.INCONCLUSIVE;
    }

    @Override
    public Judgement judgement() {
        double e = Math.exp(logLikelihoodRatio);
        return new Judgement(name(), verdict(), from, to, List.of(new Evidence("errors", verdict(), alternativeRatio,
                nullRatio, e, 0, 0, "SPRT likelihood ratio " + e)), "oracle");
    }
}
