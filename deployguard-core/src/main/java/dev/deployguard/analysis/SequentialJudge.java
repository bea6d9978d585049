package dev.deployguard.analysis;

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
 * canary's error rate to stable's. The test of r ≤ 1 + tolerance is a mixture over r of likelihood ratios, with a
 * Beta(k·rho, k·(1−rho)) prior on q truncated above the null (see {@link LogOddsMixture}): the closed form of
 * {@link BetaMixture} when the share is constant, and still valid when the share moves, because r is the common
 * parameter and only the offset logit(rho) changes from window to window. This holds exactly when requests arrive
 * as a Poisson process split by the router; with request counts taken as fixed and a common error rate the split of
 * errors is hypergeometric, which is less spread than the binomial and so only makes the test conservative
 * (Hoeffding 1963).
 *
 * <p><b>Latency.</b> A sign test on time-paired successful requests: under "canary no slower" each pair has the
 * canary slower with probability at most 1/2; the null allows odds up to 1 + latencyTolerance, and the same
 * mixture is used with rho = 1/2 (so e^theta is the odds of "canary slower").
 *
 * <p><b>Combining.</b> Both e-processes are supermartingales in the filtration of all windows, so their mean is
 * one too; the judge rolls back when the mean reaches 1/alpha (a single-metric regression needs its own e-value at
 * 2/alpha). It promotes when every judged metric's confidence sequence (level promoteAlpha) lies below its promote
 * bound, after the minimum time and canary requests. FAIL is final; PASS stays unless a later FAIL (the judge
 * keeps watching during a bake).
 */
public final class SequentialJudge implements Judge {
    public static final String NAME = "sequential";
    private static final double ERROR_RATE_PRIOR = 0.5;

    private final SequentialConfig config;
    private final LogOddsMixture latency;
    private LogOddsMixture errors;
    private long stableRequests;
    private long canaryRequests;
    private long stableErrors;
    private long canaryErrors;
    private Instant from;
    private Instant to;
    private String sourceError = "";
    private double logErrorE;
    private double logLatencyE;
    private double logE;
    private boolean watchedEnough;
    private boolean ratioOk;
    private boolean negligible;
    private boolean latencyOk;
    private boolean failed;
    private boolean passed;
    private Instant failedAt;

    SequentialJudge(SequentialConfig config) {
        this.config = config;
        this.latency = new LogOddsMixture(0.5, config.priorStrength(), 1 + config.latencyTolerance(),
                config.latencyPromoteRatio());
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
        stableRequests += window.stable().requests();
        canaryRequests += window.canary().requests();
        stableErrors += window.stable().errors();
        canaryErrors += window.canary().errors();
        double share = window.canaryShare();
        if (errors == null && share > 0 && share < 1) {
            // The prior is fixed once, at the first share seen, before any error could influence it.
            errors = new LogOddsMixture(share, config.priorStrength(), 1 + config.errorTolerance(),
                    config.errorPromoteRatio());
        }
        if (errors != null) {
            errors.observe(window.canary().errors(), window.stable().errors(), share);
        }
        if (config.judgeLatency()) {
            latency.observe(window.pairs().canarySlower(), window.pairs().canaryFaster(), 0.5);
        }
        logErrorE = errors == null ? 0 : errors.logEValue();
        logLatencyE = config.judgeLatency() ? latency.logEValue() : Double.NaN;
        logE = config.judgeLatency() ? logMeanExp(logErrorE, logLatencyE) : logErrorE;
        if (logE >= -Math.log(config.alpha())) {
            failed = true; // final: the evidence stops here, as the rollback starts here
            failedAt = to;
            return;
        }
        if (!passed) {
            watchedEnough = !to.isBefore(from.plus(config.minTimeToPromote()))
                    && canaryRequests >= config.minCanaryRequestsToPromote();
            ratioOk = errors != null && errors.excludesPromoteRatioAndAbove(config.promoteAlpha());
            negligible = !ratioOk && canaryRequests > 0 && canaryErrorRateUpperBound() < config.negligibleErrorRate();
            latencyOk = !config.judgeLatency() || latency.excludesPromoteRatioAndAbove(config.promoteAlpha());
            passed = watchedEnough && (ratioOk || negligible) && latencyOk;
        }
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
        double rollbackAt = 1 / config.alpha();
        List<Evidence> evidence = new ArrayList<>();
        double errorE = Math.exp(logErrorE);
        double observedRatio = ratio(canaryErrors, canaryRequests, stableErrors, stableRequests);
        double ratioUpper = errors == null ? Double.POSITIVE_INFINITY : errors.upperBound(config.promoteAlpha());
        boolean errorsOk = ratioOk || negligible;
        evidence.add(new Evidence("errors",
                failed && errorE >= rollbackAt ? Verdict.FAIL : errorsOk ? Verdict.PASS : Verdict.INCONCLUSIVE,
                observedRatio, 1 + config.errorTolerance(), errorE, canaryRequests, stableRequests,
                String.format("error-rate ratio canary/stable %.3f (canary %d errors in %d requests, stable %d in %d);"
                                + " e-value %.3g against ratio <= %.2f; %.0f%% upper bound %s (promote below %.2f%s)",
                        observedRatio, canaryErrors, canaryRequests, stableErrors, stableRequests, errorE,
                        1 + config.errorTolerance(), 100 * (1 - config.promoteAlpha()), format(ratioUpper),
                        config.errorPromoteRatio(), negligible ? "; canary error rate negligible" : ""),
                errors == null ? Double.NaN : errors.lowerBound(config.promoteAlpha()), ratioUpper));
        if (config.judgeLatency()) {
            double latencyE = Math.exp(logLatencyE);
            long slower = latency.canaryEvents();
            long faster = latency.stableEvents();
            double odds = faster == 0 ? (slower == 0 ? 1 : Double.POSITIVE_INFINITY) : (double) slower / faster;
            evidence.add(new Evidence("latency",
                    failed && latencyE >= rollbackAt ? Verdict.FAIL : latencyOk ? Verdict.PASS : Verdict.INCONCLUSIVE,
                    odds, 1 + config.latencyTolerance(), latencyE, slower + faster, slower + faster,
                    String.format("canary slower in %d of %d time-paired requests (odds %.3f); e-value %.3g against"
                                    + " odds <= %.2f; %.0f%% upper bound %s (promote below %.2f)",
                            slower, slower + faster, odds, latencyE, 1 + config.latencyTolerance(),
                            100 * (1 - config.promoteAlpha()), format(latency.upperBound(config.promoteAlpha())),
                            config.latencyPromoteRatio()),
                    latency.lowerBound(config.promoteAlpha()), latency.upperBound(config.promoteAlpha())));
        }
        double e = Math.exp(logE);
        String reason;
        if (failed) {
            reason = String.format("canary worse than stable beyond tolerance: e-value %.3g >= %.0f (alpha %s) after"
                    + " %ds", e, rollbackAt, config.alpha(), Duration.between(from, failedAt).toSeconds());
        } else if (passed) {
            reason = String.format("canary no worse than stable: confidence bounds below the promote bounds"
                    + " (e-value %.3g, rollback at %.0f; still watching)", e, rollbackAt);
        } else {
            reason = String.format("collecting evidence: e-value %.3g (rollback at %.0f); promotion waits for %s", e,
                    rollbackAt, waitingFor(errorsOk));
        }
        return new Judgement(NAME, verdict(), from, to, evidence, reason + held);
    }

    private double canaryErrorRateUpperBound() {
        return BetaMixture.upperBound(canaryErrors, canaryRequests - canaryErrors, ERROR_RATE_PRIOR, ERROR_RATE_PRIOR,
                config.promoteAlpha());
    }

    private String waitingFor(boolean errorsOk) {
        List<String> waits = new ArrayList<>();
        if (!watchedEnough) {
            waits.add(String.format("%ds and %d canary requests", config.minTimeToPromote().toSeconds(),
                    config.minCanaryRequestsToPromote()));
        }
        if (!errorsOk) {
            waits.add("the error-rate ratio bound");
        }
        if (!latencyOk) {
            waits.add("the latency odds bound");
        }
        return String.join(", ", waits);
    }

    private static double ratio(long canaryErrors, long canaryRequests, long stableErrors, long stableRequests) {
        if (canaryRequests == 0 || stableRequests == 0) {
            return Double.NaN;
        }
        double stableRate = (double) stableErrors / stableRequests;
        double canaryRate = (double) canaryErrors / canaryRequests;
        return stableRate == 0 ? (canaryRate == 0 ? 1 : Double.POSITIVE_INFINITY) : canaryRate / stableRate;
    }

    private static double logMeanExp(double a, double b) {
        double max = Math.max(a, b);
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        return max + Math.log((Math.exp(a - max) + Math.exp(b - max)) / 2);
    }

    private static String format(double value) {
        return Double.isFinite(value) ? String.format("%.3f", value) : "unbounded";
    }
}
