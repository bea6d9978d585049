package dev.deployguard.analysis;

import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.util.ContinuedFraction;

/**
 * Closed-form mixture e-values and confidence sequences for "each event is a canary event with probability q",
 * with a Beta(a, b) prior on q and a constant null probability, in log space so that counts in the millions stay
 * finite.
 *
 * <p>With x canary events and y stable events, null q = rho' and the prior Beta(a, b) truncated to (rho', 1]:
 * <pre>
 *   E = B(a+x, b+y)/B(a,b) · I_{1-rho'}(b+y, a+x)/I_{1-rho'}(b, a) / (rho'^x (1-rho')^y)
 * </pre>
 * For every q at or below rho' the likelihood ratio against rho' of each alternative above rho' is a nonnegative
 * supermartingale, and so is any fixed mixture of them; Ville's inequality then bounds P(sup E >= 1/alpha) by alpha
 * at any stopping time (Lindon &amp; Malek, NeurIPS 2022). The untruncated mixture gives the confidence sequence
 * {q : B(a+x, b+y)/B(a,b) / (q^x (1-q)^y) < 1/alpha}.
 */
public final class BetaMixture {
    private BetaMixture() {
    }

    /**
     * The null probability of a canary event when the canary's rate is (1 + tolerance) times stable's and the canary
     * gets {@code share} of the traffic: rho' = rho(1+tol) / (rho(1+tol) + 1 - rho).
     */
    public static double nullShare(double share, double tolerance) {
        double worse = share * (1 + tolerance);
        return worse / (worse + 1 - share);
    }

    /** The natural log of the truncated-prior mixture e-value above; -infinity when it underflows. */
    public static double logEValue(long x, long y, double nullShare, double a, double b) {
        check(x, y, a, b);
        if (!(nullShare > 0 && nullShare < 1)) {
            throw new IllegalArgumentException("null share must be within (0, 1), was " + nullShare);
        }
        double logPosteriorMass = logRegularizedBeta(1 - nullShare, b + y, a + x);
        double logPriorMass = logRegularizedBeta(1 - nullShare, b, a);
        if (logPosteriorMass == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        return Beta.logBeta(a + x, b + y) - Beta.logBeta(a, b) + logPosteriorMass - logPriorMass
                - x * Math.log(nullShare) - y * Math.log1p(-nullShare);
    }

    /**
     * log I_z(p, q), the log of the regularized incomplete beta function, accurate when I is tiny. commons-math's
     * {@code Beta.regularizedBeta} returns {@code 1 - I_{1-z}(q, p)} above the mean, which cancels to nothing (or to
     * rounding noise) exactly where the posterior mass beyond the null is far below 1, so the e-value lost its
     * monotonicity in the counts there. Here the tail on the far side of the mean is computed directly in log
     * space from the continued fraction, and the near side as {@code log1p(-tail)}, which is accurate because that
     * tail is then at most about one half.
     */
    static double logRegularizedBeta(double z, double p, double q) {
        if (z <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (z >= 1) {
            return 0;
        }
        if (z > (p + 1) / (p + q + 2)) {
            return Math.log1p(-Math.exp(logTail(1 - z, q, p)));
        }
        return logTail(z, p, q);
    }

    /** log I_z(p, q) by the continued fraction (Numerical Recipes 6.4), valid where z is below about the mean. */
    private static double logTail(double z, double p, double q) {
        ContinuedFraction fraction = new ContinuedFraction() {
            @Override
            protected double getB(int n, double v) {
                if (n % 2 == 0) {
                    double m = n / 2.0;
                    return (m * (q - m) * v) / ((p + (2 * m) - 1) * (p + (2 * m)));
                }
                double m = (n - 1) / 2.0;
                return -((p + m) * (p + q + m) * v) / ((p + (2 * m)) * (p + (2 * m) + 1));
            }

            @Override
            protected double getA(int n, double v) {
                return 1.0;
            }
        };
        double cf = fraction.evaluate(z, 1e-15, 100_000);
        return p * Math.log(z) + q * Math.log1p(-z) - Math.log(p) - Beta.logBeta(p, q) - Math.log(cf);
    }

    /** log M(q) of the untruncated mixture against the point q; the confidence sequence is {q : M(q) < 1/alpha}. */
    public static double logMixtureRatio(long x, long y, double q, double a, double b) {
        check(x, y, a, b);
        return Beta.logBeta(a + x, b + y) - Beta.logBeta(a, b) - x * Math.log(q) - y * Math.log1p(-q);
    }

    /**
     * Whether the confidence sequence at level alpha lies entirely below {@code q}: true when M(q) >= 1/alpha and the
     * observed proportion is below q (the log likelihood is concave, so every point above q is excluded too).
     */
    public static boolean excludesAtOrAbove(long x, long y, double q, double a, double b, double alpha) {
        return (double) x / Math.max(1, x + y) < q && logMixtureRatio(x, y, q, a, b) >= -Math.log(alpha);
    }

    /** The upper end of the confidence sequence for q at level alpha (bisection to 1e-9). */
    public static double upperBound(long x, long y, double a, double b, double alpha) {
        double low = (double) x / Math.max(1, x + y);
        if (x + y == 0) {
            low = a / (a + b);
        }
        double high = 1;
        // log M(q) = evidence - x log q - y log(1-q); the Beta functions do not depend on q.
        double evidence = logMixtureRatio(x, y, 0.5, a, b) + x * Math.log(0.5) + y * Math.log(0.5);
        double limit = -Math.log(alpha);
        if (evidence - x * Math.log(low) - y * Math.log1p(-low) >= limit) {
            return low;
        }
        for (int i = 0; i < 60 && high - low > 1e-9; i++) {
            double mid = 0.5 * (low + high);
            if (evidence - x * Math.log(mid) - y * Math.log1p(-mid) < limit) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    private static void check(long x, long y, double a, double b) {
        if (x < 0 || y < 0) {
            throw new IllegalArgumentException("event counts must not be negative");
        }
        if (!(a > 0 && b > 0)) {
            throw new IllegalArgumentException("prior parameters must be positive");
        }
    }
}
