package dev.deployguard.analysis;

import dev.deployguard.analysis.OneSidedMixture.Side;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The default judge: anytime-valid sequential tests that may stop at any window, with the probability of ever
 * rolling back a canary that is within tolerance on every metric bounded by alpha (Ville's inequality).
 *
 * <p><b>Errors.</b> Given a window's errors, each one is a canary error with probability
 * q = rho·r / (rho·r + 1 − rho), rho the router's actual canary share in that window and r the ratio of the
 * canary's error rate to stable's. Two one-sided mixture tests on log r ({@link OneSidedMixture}) run side by side:
 * the rollback test against r ≤ 1 + tolerance, with its prior centred on the practical alternative (2× the errors),
 * and the promotion test against r ≥ the promote bound, with its prior centred on a canary as good as stable. Both
 * stay valid when the share moves, because r is the common parameter and only the offset logit(rho) changes. This
 * holds exactly when requests arrive as a Poisson process split by the router; with request counts taken as fixed
 * the split of errors is hypergeometric, less spread than the binomial, which only makes the test conservative.
 *
 * <p><b>Latency.</b> A sign test on time-paired successful requests: a pair counts as "canary slower" only beyond
 * the {@link LatencyComparison} (relative tolerance and absolute indifference). Under "the canary is no slower than
 * that", each pair is slower with probability at most 1/2, so the same tests run with rho = 1/2. The canary's first
 * moments and requests (warm-up) are left out of the latency evidence; errors count from the first request.
 *
 * <p><b>Combining.</b> Both rollback e-processes are supermartingales in the filtration of all windows, and so is
 * their weighted mean (errors {@value #ERROR_WEIGHT}, latency the rest); the judge rolls back when it reaches
 * 1/alpha, so errors alone need an e-value of 1/(alpha·{@value #ERROR_WEIGHT}). It promotes when every judged
 * metric's promotion e-value reached 1/promoteAlpha, after the minimum time and canary requests. FAIL is final;
 * PASS stays unless a later FAIL (the judge keeps watching during a bake).
 */
public final class SequentialJudge implements Judge {
    public static final String NAME = "sequential";
    /** The errors' share of the rollback budget: error regressions are the common, costly kind. */
    static final double ERROR_WEIGHT = 0.9;
    /** Rollback prior: centred on a canary with twice stable's error rate (or odds 3 of a slower request). */
    private static final double ERROR_ALTERNATIVE = 2;
    private static final double LATENCY_ALTERNATIVE = 3;
    private static final double ROLLBACK_SPREAD = 0.6;
    /** Narrower for errors: about ratios 1.3 to 3, where error regressions are hard to tell from noise. */
    private static final double ERROR_ROLLBACK_SPREAD = 0.4;
    /** Promotion prior: centred on a canary as good as stable (and on the odds of a slower request of 0.6). */
    private static final double PROMOTE_SPREAD = 0.4;
    private static final double LATENCY_GOOD_ODDS = 0.6;
    private static final double ERROR_RATE_PRIOR = 0.5;

    private final SequentialConfig config;
    private final OneSidedMixture errorsWorse;
    private final OneSidedMixture errorsGood;
    /**
     * Shown, never decides: an anytime-valid confidence sequence for the error-rate ratio (the dashboard draws it
     * against the tolerance). Its prior is fixed at the first canary share seen, before any error could move it.
     */
    private LogOddsMixture ratioBounds;
    /** The confidence sequence's prior weight, in events (as the log-odds mixture was tuned). */
    private static final double BOUNDS_PRIOR_STRENGTH = 100;
    private final OneSidedMixture latencyWorse;
    private final OneSidedMixture latencyGood;
    private long stableRequests;
    private long canaryRequests;
    private long stableErrors;
    private long canaryErrors;
    private double stableLatencySum;
    private double canaryLatencySum;
    private long stableWarmRequests;
    private long canaryWarmRequests;
    private long warmupPairsSkipped;
    private Instant from;
    private Instant to;
    private String sourceError = "";
    private double logErrorE;
    private double logLatencyE;
    private boolean watchedEnough;
    private boolean errorsOk;
    private boolean negligible;
    private boolean latencyOk;
    private boolean failed;
    private boolean passed;
    private Instant failedAt;

    SequentialJudge(SequentialConfig config) {
        this.config = config;
        double tolerance = 1 + config.errorTolerance();
        this.errorsWorse = new OneSidedMixture(tolerance, Side.ABOVE, Math.max(ERROR_ALTERNATIVE, tolerance * 1.5),
                ERROR_ROLLBACK_SPREAD);
        this.errorsGood = new OneSidedMixture(config.errorPromoteRatio(), Side.BELOW, 1, PROMOTE_SPREAD);
        this.latencyWorse = new OneSidedMixture(1, Side.ABOVE, LATENCY_ALTERNATIVE, ROLLBACK_SPREAD);
        this.latencyGood = new OneSidedMixture(1, Side.BELOW, LATENCY_GOOD_ODDS, PROMOTE_SPREAD * 2);
        this.latencyOk = !config.judgeLatency();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict update(WindowObservation window) {
        if (from == null) {
            from = window.start();
        }
        to = window.end();
        sourceError = window.sourceError();
        if (!window.isMissing() && !failed) {
            fold(window);
        }
        return verdict();
    }

    private void fold(WindowObservation window) {
        boolean warm = !window.start().isBefore(from.plus(config.latencyWarmup()))
                && canaryRequests >= config.latencyWarmupRequests();
        stableRequests += window.stable().requests();
        canaryRequests += window.canary().requests();
        stableErrors += window.stable().errors();
        canaryErrors += window.canary().errors();
        double share = window.canaryShare();
        errorsWorse.observe(window.canary().errors(), window.stable().errors(), share);
        if (ratioBounds == null && share > 0 && share < 1) {
            ratioBounds = new LogOddsMixture(share, BOUNDS_PRIOR_STRENGTH, 1 + config.errorTolerance(),
                    config.errorPromoteRatio());
        }
        if (ratioBounds != null) {
            ratioBounds.observe(window.canary().errors(), window.stable().errors(), share);
        }
        errorsGood.observe(window.canary().errors(), window.stable().errors(), share);
        if (config.judgeLatency()) {
            if (warm) {
                long[] counted = window.pairs().count(config.latency());
                latencyWorse.observe(counted[0], counted[1], 0.5);
                latencyGood.observe(counted[0], counted[1], 0.5);
                stableLatencySum += window.stable().latencySumMillis();
                canaryLatencySum += window.canary().latencySumMillis();
                stableWarmRequests += window.stable().requests();
                canaryWarmRequests += window.canary().requests();
            } else {
                warmupPairsSkipped += window.pairs().pairs();
            }
        }
        logErrorE = errorsWorse.logEValue();
        logLatencyE = config.judgeLatency() ? latencyWorse.logEValue() : Double.NEGATIVE_INFINITY;
        if (logCombined() >= -Math.log(config.alpha())) {
            failed = true; // final: the evidence stops here, as the rollback starts here
            failedAt = to;
            return;
        }
        if (!passed) {
            double promoteAt = -Math.log(config.promoteAlpha());
            watchedEnough = !to.isBefore(from.plus(config.minTimeToPromote()))
                    && canaryRequests >= config.minCanaryRequestsToPromote();
            errorsOk = errorsGood.logEValue() >= promoteAt;
            negligible = !errorsOk && canaryRequests > 0 && canaryErrorRateUpperBound() < config.negligibleErrorRate();
            latencyOk = !config.judgeLatency() || latencyGood.logEValue() >= promoteAt;
            passed = watchedEnough && (errorsOk || negligible) && latencyOk;
        }
    }

    /** log of the weighted mean of the rollback e-values (errors alone when latency is not judged). */
    private double logCombined() {
        if (!config.judgeLatency()) {
            return logErrorE;
        }
        double a = Math.log(ERROR_WEIGHT) + logErrorE;
        double b = Math.log(1 - ERROR_WEIGHT) + logLatencyE;
        double max = Math.max(a, b);
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(Math.exp(a - max) + Math.exp(b - max));
    }

    private Verdict verdict() {
        return failed ? Verdict.FAIL : passed ? Verdict.PASS : Verdict.INCONCLUSIVE;
    }

    @Override
    public Judgement judgement() {
        if (from == null) {
            throw new IllegalStateException("no window observed yet");
        }
        String held = sourceError.isEmpty() ? ""
                : "; metric source error (" + sourceError + "): no evidence from the last window, holding";
        double errorRollbackAt = 1 / (config.alpha() * (config.judgeLatency() ? ERROR_WEIGHT : 1));
        double latencyRollbackAt = 1 / (config.alpha() * (1 - ERROR_WEIGHT));
        double errorE = Math.exp(logErrorE);
        boolean errorsFailed = failed && errorE >= errorRollbackAt;
        VerdictText text = new VerdictText(config);
        List<Evidence> evidence = new ArrayList<>();
        String errorSentence = text.errors(canaryErrors, canaryRequests, stableErrors, stableRequests, errorE,
                errorRollbackAt, Math.exp(errorsGood.logEValue()), failed, errorsOk, negligible);
        double lower = ratioBounds == null ? Double.NaN : ratioBounds.lowerBound(config.promoteAlpha());
        double upper = ratioBounds == null ? Double.NaN : ratioBounds.upperBound(config.promoteAlpha());
        String bounds = ratioBounds == null ? "" : String.format("; %.0f%% confidence sequence of the ratio [%.3f, %s]",
                100 * (1 - config.promoteAlpha()), lower, Double.isInfinite(upper) ? "∞" : String.format("%.3f",
                        upper));
        evidence.add(new Evidence("errors",
                errorsFailed ? Verdict.FAIL : errorsOk || negligible ? Verdict.PASS : Verdict.INCONCLUSIVE,
                VerdictText.ratio(canaryErrors, canaryRequests, stableErrors, stableRequests),
                1 + config.errorTolerance(), errorE, canaryRequests, stableRequests, errorSentence + bounds, lower,
                upper));
        String latencySentence = "";
        boolean latencyFailed = false;
        if (config.judgeLatency()) {
            double latencyE = Math.exp(logLatencyE);
            latencyFailed = failed && !errorsFailed;
            long slower = latencyWorse.canaryEvents();
            long pairs = slower + latencyWorse.stableEvents();
            latencySentence = text.latency(canaryLatencySum / canaryWarmRequests,
                    stableLatencySum / stableWarmRequests, slower, pairs, latencyE,
                    latencyRollbackAt, Math.exp(latencyGood.logEValue()), failed, latencyOk, warmupPairsSkipped);
            evidence.add(new Evidence("latency",
                    latencyFailed ? Verdict.FAIL : latencyOk ? Verdict.PASS : Verdict.INCONCLUSIVE,
                    pairs == 0 ? Double.NaN : (double) slower / pairs, 0.5, latencyE, pairs, pairs,
                    latencySentence));
        }
        String reason;
        if (failed) {
            reason = String.format("rolled back after %ds: %s", Duration.between(from, failedAt).toSeconds(),
                    errorsFailed || !latencyFailed ? errorSentence : latencySentence);
        } else if (passed) {
            reason = "canary no worse than stable: " + errorSentence
                    + (config.judgeLatency() ? "; " + latencySentence : "") + " (still watching)";
        } else {
            reason = "collecting evidence: " + errorSentence + (config.judgeLatency() ? "; " + latencySentence : "")
                    + "; promotion waits for " + waitingFor();
        }
        return new Judgement(NAME, verdict(), from, to, evidence, reason + held);
    }

    private double canaryErrorRateUpperBound() {
        return BetaMixture.upperBound(canaryErrors, canaryRequests - canaryErrors, ERROR_RATE_PRIOR, ERROR_RATE_PRIOR,
                config.promoteAlpha());
    }

    private String waitingFor() {
        List<String> waits = new ArrayList<>();
        if (!watchedEnough) {
            waits.add(String.format("%ds and %d canary requests", config.minTimeToPromote().toSeconds(),
                    config.minCanaryRequestsToPromote()));
        }
        if (!(errorsOk || negligible)) {
            waits.add("the error-rate evidence");
        }
        if (!latencyOk) {
            waits.add("the latency evidence");
        }
        return waits.isEmpty() ? "nothing" : String.join(", ", waits);
    }
}
