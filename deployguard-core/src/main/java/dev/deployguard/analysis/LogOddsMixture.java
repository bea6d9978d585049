package dev.deployguard.analysis;

import org.apache.commons.math3.special.Gamma;

/**
 * An anytime-valid test of a rate ratio between canary and stable when the canary's traffic share changes from
 * window to window.
 *
 * <p>Condition on each window's events (errors): with canary share rho_t and rate ratio r = e^theta, each event
 * is a canary event with probability q_t(theta) = sigmoid(theta + logit(rho_t)). The parameter theta (the log rate
 * ratio) is common to all windows; only the offset logit(rho_t) moves. For a fixed theta1 above the null boundary
 * theta0, the product over events of q_t(theta1)/q_t(theta0) (or the complements for stable events) is a
 * nonnegative supermartingale whenever the true theta is at most theta0, whatever the shares were, because each
 * factor's expectation is increasing in the true q_t and equals 1 at q_t(theta0). A mixture of such products over
 * a prior fixed in advance is again one, so Ville's inequality bounds the chance that the mixture ever reaches
 * 1/alpha by alpha.
 *
 * <p>The prior on theta is the Beta(k·rho0, k·(1−rho0)) prior on q mapped to the log-ratio scale at the first
 * share seen (a type-IV logistic density), discretised on a grid that contains theta0 (trapezoid weights, so theta0
 * itself carries half a step of mass). A discrete prior is a prior: validity does not depend on the grid. With a
 * constant share the result matches {@link BetaMixture}'s closed form wherever the evidence is (to about 1e-3 in
 * log E); deep inside the null the point mass at theta0 is a floor that keeps E from sinking as low as the
 * continuous mixture's, so a canary that turns bad later is caught sooner. The same grid gives a confidence
 * sequence for theta from the untruncated prior: {theta : sum_j w_j L(theta_j) / L(theta) < 1/alpha}.
 */
final class LogOddsMixture {
    private final double theta0;
    private final double promoteTheta;
    private final double[] theta;
    private final double[] expTheta;
    private final double[] expNegTheta;
    private final double[] logPrior;
    private final double[] logPriorAbove;
    private final double[] logLikelihood;
    private final double[] logQ;
    private final double[] logNotQ;
    private final int nullIndex;
    private double tableShare = Double.NaN;
    private double logQAtPromote;
    private double logNotQAtPromote;
    private double logLikelihoodAtPromote;
    private double logMixture;
    private boolean logMixtureStale;
    private long canaryEvents;
    private long stableEvents;

    /**
     * @param priorShare the canary share the prior is centred for (rho0)
     * @param priorStrength k, the prior's weight in events
     * @param nullRatio the null boundary 1 + tolerance
     * @param promoteRatio the ratio below which the confidence sequence must fall for promotion (tracked exactly)
     */
    LogOddsMixture(double priorShare, double priorStrength, double nullRatio, double promoteRatio) {
        if (!(priorShare > 0 && priorShare < 1)) {
            throw new IllegalArgumentException("prior share must be within (0, 1)");
        }
        double a = priorStrength * priorShare;
        double b = priorStrength * (1 - priorShare);
        double offset = Math.log(priorShare / (1 - priorShare));
        this.theta0 = Math.log(nullRatio);
        this.promoteTheta = Math.log(promoteRatio);
        double mean = Gamma.digamma(a) - Gamma.digamma(b) - offset;
        double sd = Math.sqrt(Gamma.trigamma(a) + Gamma.trigamma(b));
        double lowest = Math.min(mean - 6 * sd, theta0 - 1);
        double highest = Math.max(mean + 6 * sd, Math.max(theta0, promoteTheta) + 1);
        double step = Math.max(Math.min(0.05, sd / 8), (highest - lowest) / 2000);
        int below = (int) Math.ceil((theta0 - lowest) / step);
        int above = (int) Math.ceil((highest - theta0) / step);
        int n = below + above + 1;
        theta = new double[n];
        expTheta = new double[n];
        expNegTheta = new double[n];
        logPrior = new double[n];
        logPriorAbove = new double[n];
        logLikelihood = new double[n];
        logQ = new double[n];
        logNotQ = new double[n];
        nullIndex = below;
        for (int j = 0; j < n; j++) {
            theta[j] = theta0 + (j - below) * step;
            expTheta[j] = Math.exp(theta[j]);
            expNegTheta[j] = Math.exp(-theta[j]);
            double z = theta[j] + offset;
            logPrior[j] = a * z - (a + b) * softplus(z);
        }
        // The truncated prior starts at theta0 itself with half weight (the trapezoid rule): its integral then
        // matches the continuous truncated prior to second order in the step. theta0's likelihood ratio is 1.
        for (int j = 0; j < n; j++) {
            logPriorAbove[j] = j > nullIndex ? logPrior[j]
                    : j == nullIndex ? logPrior[j] - Math.log(2) : Double.NEGATIVE_INFINITY;
        }
        double total = logSumExp(logPrior, 0, n, null);
        double totalAbove = logSumExp(logPriorAbove, nullIndex, n, null);
        for (int j = 0; j < n; j++) {
            logPriorAbove[j] -= totalAbove;
            logPrior[j] -= total;
        }
    }

    /** Folds in one window: its canary events, stable events and the canary's share of traffic. */
    void observe(long canary, long stable, double share) {
        if (canary < 0 || stable < 0) {
            throw new IllegalArgumentException("event counts must not be negative");
        }
        if (canary + stable == 0 || share <= 0 || share >= 1) {
            return; // no events, or nothing to compare: the likelihood ratio of this window is 1
        }
        canaryEvents += canary;
        stableEvents += stable;
        if (share != tableShare) {
            tabulate(share);
        }
        for (int j = 0; j < theta.length; j++) {
            logLikelihood[j] += canary * logQ[j] + stable * logNotQ[j];
        }
        logLikelihoodAtPromote += canary * logQAtPromote + stable * logNotQAtPromote;
        logMixtureStale = true;
    }

    /**
     * log q and log(1 − q) on the grid for one share: q = 1 / (1 + c·e^−theta) with c = (1 − rho)/rho. Math.log of
     * 1 + u is used instead of log1p: its absolute error stays near 1e-16, and only absolute errors add up in a log
     * likelihood.
     */
    private void tabulate(double share) {
        double c = (1 - share) / share;
        double invC = share / (1 - share);
        for (int j = 0; j < theta.length; j++) {
            logQ[j] = -Math.log(1 + c * expNegTheta[j]);
            logNotQ[j] = -Math.log(1 + expTheta[j] * invC);
        }
        logQAtPromote = -Math.log(1 + c * Math.exp(-promoteTheta));
        logNotQAtPromote = -Math.log(1 + Math.exp(promoteTheta) * invC);
        tableShare = share;
    }

    long canaryEvents() {
        return canaryEvents;
    }

    long stableEvents() {
        return stableEvents;
    }

    /** log E: the truncated-prior mixture against the null boundary theta0. */
    double logEValue() {
        return logSumExp(logPriorAbove, nullIndex, theta.length, logLikelihood) - logLikelihood[nullIndex];
    }

    /** log of sum_j w_j L(theta_j), the untruncated mixture's likelihood. */
    private double logMixture() {
        if (logMixtureStale) {
            logMixture = logSumExp(logPrior, 0, theta.length, logLikelihood);
            logMixtureStale = false;
        }
        return logMixture;
    }

    /**
     * Whether the confidence sequence at level alpha lies entirely below the promote ratio. Exact for the continuum of
     * ratios: L(promote) is tracked exactly and the log likelihood is concave in theta, so when a grid point below
     * the promote ratio is more likely and L(promote) is outside, every larger ratio is outside too.
     */
    boolean excludesPromoteRatioAndAbove(double alpha) {
        double limit = logMixture() + Math.log(alpha);
        if (logLikelihoodAtPromote > limit) {
            return false;
        }
        for (int j = 0; j < theta.length && theta[j] < promoteTheta; j++) {
            if (logLikelihood[j] > logLikelihoodAtPromote) {
                return true;
            }
        }
        return false;
    }

    /** The largest grid ratio inside the confidence sequence at level alpha (its upper end, to one grid step). */
    double upperBound(double alpha) {
        double limit = logMixture() + Math.log(alpha);
        for (int j = theta.length - 1; j >= 0; j--) {
            if (logLikelihood[j] > limit) {
                return Math.exp(theta[Math.min(j + 1, theta.length - 1)]);
            }
        }
        return Math.exp(theta[0]);
    }

    /** The smallest grid ratio inside the confidence sequence at level alpha (its lower end, to one grid step). */
    double lowerBound(double alpha) {
        double limit = logMixture() + Math.log(alpha);
        for (int j = 0; j < theta.length; j++) {
            if (logLikelihood[j] > limit) {
                return Math.exp(theta[Math.max(j - 1, 0)]);
            }
        }
        return Math.exp(theta[theta.length - 1]);
    }

    private static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    /** log sum_{j in [from, to)} exp(base[j] + add[j]) (add may be null). */
    private static double logSumExp(double[] base, int from, int to, double[] add) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            max = Math.max(max, base[j] + (add == null ? 0 : add[j]));
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int j = from; j < to; j++) {
            sum += Math.exp(base[j] + (add == null ? 0 : add[j]) - max);
        }
        return max + Math.log(sum);
    }
}
