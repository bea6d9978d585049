package dev.deployguard.analysis;

/**
 * A one-sided anytime-valid test of a log odds ratio between canary and stable events, when the canary's traffic
 * share may change from window to window.
 *
 * <p>Each event (an error, or a latency pair) is a canary event with probability q_t(theta) = sigmoid(theta +
 * logit(rho_t)), rho_t the window's canary share (1/2 for latency pairs) and theta the log rate ratio. For a fixed
 * theta1 on the alternative's side of the boundary theta0, the product over events of q_t(theta1)/q_t(theta0) (or
 * the complements for stable events) is a nonnegative supermartingale whenever the true theta lies on the null's
 * side: each factor's expectation is linear in the true q_t, equals 1 at q_t(theta0), and is at most 1 on the null's
 * side. A mixture of such products over a prior fixed in advance is one too, so by Ville's inequality the mixture
 * reaches 1/alpha with probability at most alpha, at any stopping time (Robbins 1970; Lindon &amp; Malek 2022).
 *
 * <p>The prior is what makes the test fast for the alternatives that matter: a normal density on theta centred on
 * the practical alternative ({@code priorRatio}: a canary with 2× the errors for the rollback test, one as good as
 * stable for the promotion test), restricted to the alternative's side, on a grid that starts at theta0 itself with
 * half a step of weight (the trapezoid rule). A discrete prior is a prior: validity does not depend on the grid.
 */
final class OneSidedMixture {
    /** Which side of the boundary the alternative lies on. */
    enum Side {
        /** H0: ratio ≤ boundary (is the canary worse?) */
        ABOVE,
        /** H0: ratio ≥ boundary (is the canary better than the bound?) */
        BELOW
    }

    private static final int MAX_POINTS = 90;

    private final double[] theta;
    private final double[] expTheta;
    private final double[] logPrior;
    private final double[] logLikelihood;
    private final double[] logQ;
    private final double[] logNotQ;
    private double tableShare = Double.NaN;
    private long canaryEvents;
    private long stableEvents;

    /**
     * @param boundaryRatio the null's boundary as a ratio (e^theta0)
     * @param side where the alternative lies
     * @param priorRatio the prior's centre as a ratio (moved to the alternative's side if it is not there)
     * @param priorSpread the prior's standard deviation on the log-ratio scale
     */
    OneSidedMixture(double boundaryRatio, Side side, double priorRatio, double priorSpread) {
        if (!(boundaryRatio > 0) || Double.isInfinite(boundaryRatio) || !(priorRatio > 0)
                || Double.isInfinite(priorRatio) || !(priorSpread > 0) || Double.isInfinite(priorSpread)) {
            throw new IllegalArgumentException("ratios and the spread must be positive and finite");
        }
        double theta0 = Math.log(boundaryRatio);
        double sign = side == Side.ABOVE ? 1 : -1;
        double centre = Math.log(priorRatio);
        double reach = Math.max(0, sign * (centre - theta0)) + 5 * priorSpread;
        int n = (int) Math.min(MAX_POINTS, Math.ceil(reach / Math.min(0.05, priorSpread / 10))) + 1;
        double step = reach / (n - 1);
        theta = new double[n];
        expTheta = new double[n];
        logPrior = new double[n];
        logLikelihood = new double[n];
        logQ = new double[n];
        logNotQ = new double[n];
        for (int j = 0; j < n; j++) {
            theta[j] = theta0 + sign * j * step;
            expTheta[j] = Math.exp(theta[j]);
            double z = (theta[j] - centre) / priorSpread;
            logPrior[j] = -0.5 * z * z - (j == 0 ? Math.log(2) : 0);
        }
        double total = logSumExp(logPrior, null);
        for (int j = 0; j < n; j++) {
            logPrior[j] -= total;
        }
    }

    /** Folds in one window: its canary events, stable events and the canary's share of the traffic. */
    void observe(long canary, long stable, double share) {
        if (canary < 0 || stable < 0) {
            throw new IllegalArgumentException("event counts must not be negative");
        }
        if (canary + stable == 0 || share <= 0 || share >= 1) {
            return; // no events, or nothing to compare: this window's likelihood ratio is 1
        }
        canaryEvents += canary;
        stableEvents += stable;
        if (share != tableShare) {
            tabulate(share);
        }
        for (int j = 0; j < theta.length; j++) {
            logLikelihood[j] += canary * logQ[j] + stable * logNotQ[j];
        }
    }

    /** log q and log(1 − q) on the grid for one share: q = 1 / (1 + c·e^−theta) with c = (1 − rho)/rho. */
    private void tabulate(double share) {
        double c = (1 - share) / share;
        for (int j = 0; j < theta.length; j++) {
            logQ[j] = -Math.log(1 + c / expTheta[j]);
            logNotQ[j] = -Math.log(1 + expTheta[j] / c);
        }
        tableShare = share;
    }

    /** log E: the mixture's likelihood against the boundary's. */
    double logEValue() {
        return logSumExp(logPrior, logLikelihood) - logLikelihood[0];
    }

    long canaryEvents() {
        return canaryEvents;
    }

    long stableEvents() {
        return stableEvents;
    }

    private static double logSumExp(double[] base, double[] add) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < base.length; j++) {
            max = Math.max(max, base[j] + (add == null ? 0 : add[j]));
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int j = 0; j < base.length; j++) {
            sum += Math.exp(base[j] + (add == null ? 0 : add[j]) - max);
        }
        return max + Math.log(sum);
    }
}
