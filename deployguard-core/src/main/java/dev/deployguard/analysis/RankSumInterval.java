package dev.deployguard.analysis;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The Mann-Whitney (Wilcoxon rank-sum) confidence interval and Hodges-Lehmann estimate of the shift x − y, computed
 * as Kayenta's {@code MannWhitney} and R's {@code wilcox.test(conf.int = TRUE)} do with the normal approximation:
 * the shifts mu where the standardised rank sum of x − mu (with continuity and tie corrections) equals the normal
 * quantiles. The roots are found as Kayenta finds them: R's {@code zeroin} (Brent's method) with an absolute
 * tolerance of 1e-4 and at most 1000 iterations, the estimate without the end-point shortcuts of the interval, so
 * edge cases classify as Kayenta classifies them.
 */
final class RankSumInterval {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);
    /** Kayenta's BrentSolver: TOLERANCE 1e-4, MAX_ITERATIONS 1000, EPSILON the double machine epsilon. */
    static final double TOLERANCE = 1e-4;
    static final int MAX_ITERATIONS = 1000;
    private static final double EPSILON = Math.ulp(1.0);

    /** The interval [lower, upper] and the Hodges-Lehmann estimate of x − y. */
    record Result(double lower, double upper, double estimate) {
    }

    private RankSumInterval() {
    }

    /** @throws IllegalArgumentException when every observation is tied and no interval exists */
    static Result of(double[] x, double[] y, double confidenceLevel) {
        if (x.length == 0 || y.length == 0) {
            throw new IllegalArgumentException("both samples need data");
        }
        double muMin = min(x) - max(y);
        double muMax = max(x) - min(y);
        double z = NORMAL.inverseCumulativeProbability((1 - confidenceLevel) / 2);
        double lower = root(x, y, -z, muMin, muMax);
        double upper = root(x, y, z, muMin, muMax);
        double estimate = zeroin(muMin, muMax, standardised(x, y, muMin), standardised(x, y, muMax),
                mu -> standardised(x, y, mu));
        return new Result(lower, upper, estimate);
    }

    private static double root(double[] x, double[] y, double quantile, double muMin, double muMax) {
        double fLower = standardised(x, y, muMin) - quantile;
        double fUpper = standardised(x, y, muMax) - quantile;
        if (fLower <= 0) {
            return muMin;
        }
        if (fUpper >= 0) {
            return muMax;
        }
        return zeroin(muMin, muMax, fLower, fUpper, mu -> standardised(x, y, mu) - quantile);
    }

    /**
     * Brent's root finder in the form of R's {@code zeroin}: bisection, secant and inverse quadratic steps, done when
     * the bracket is within 2·eps·|b| + tol/2. Returns the last estimate when the iterations run out, as Kayenta does.
     */
    static double zeroin(double ax, double bx, double fax, double fbx, DoubleUnaryOperator f) {
        double a = ax;
        double b = bx;
        double fa = fax;
        double fb = fbx;
        double c = a;
        double fc = fa;
        if (fa == 0) {
            return a;
        }
        if (fb == 0) {
            return b;
        }
        for (int left = MAX_ITERATIONS + 1; left > 0; left--) {
            double previous = b - a;
            if (Math.abs(fc) < Math.abs(fb)) {
                a = b;
                b = c;
                c = a;
                fa = fb;
                fb = fc;
                fc = fa;
            }
            double tolerance = 2 * EPSILON * Math.abs(b) + TOLERANCE / 2;
            double step = (c - b) / 2;
            if (Math.abs(step) <= tolerance || fb == 0) {
                return b;
            }
            if (Math.abs(previous) >= tolerance && Math.abs(fa) > Math.abs(fb)) {
                double cb = c - b;
                double p;
                double q;
                if (a == c) {
                    double t1 = fb / fa;
                    p = cb * t1;
                    q = 1 - t1;
                } else {
                    double qa = fa / fc;
                    double t1 = fb / fc;
                    double t2 = fb / fa;
                    p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
                    q = (qa - 1) * (t1 - 1) * (t2 - 1);
                }
                if (p > 0) {
                    q = -q;
                } else {
                    p = -p;
                }
                if (p < 0.75 * cb * q - Math.abs(tolerance * q) / 2 && p < Math.abs(previous * q / 2)) {
                    step = p / q;
                }
            }
            if (Math.abs(step) < tolerance) {
                step = step > 0 ? tolerance : -tolerance;
            }
            a = b;
            fa = fb;
            b += step;
            fb = f.applyAsDouble(b);
            if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
                c = a;
                fc = fa;
            }
        }
        return b;
    }

    /** The continuity-corrected, tie-corrected standardised rank sum of x − mu among (x − mu) ∪ y. */
    static double standardised(double[] x, double[] y, double mu) {
        int nx = x.length;
        int ny = y.length;
        int n = nx + ny;
        double[] all = new double[n];
        for (int i = 0; i < nx; i++) {
            all[i] = x[i] - mu;
        }
        System.arraycopy(y, 0, all, nx, ny);
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        double rankSum = 0;
        for (int i = 0; i < nx; i++) {
            rankSum += averageRank(sorted, all[i]);
        }
        double ties = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && sorted[j] == sorted[i]) {
                j++;
            }
            double t = j - i;
            ties += t * t * t - t;
            i = j;
        }
        double dz = rankSum - nx * (nx + 1) / 2.0 - nx * (double) ny / 2;
        double correction = Math.signum(dz) * 0.5;
        double sigma = Math.sqrt((nx * (double) ny / 12) * ((n + 1) - ties / ((double) n * (n - 1))));
        if (sigma == 0 || Double.isNaN(sigma)) {
            throw new IllegalArgumentException("cannot compute a confidence interval when all observations are tied");
        }
        return (dz - correction) / sigma;
    }

    private static double averageRank(double[] sorted, double value) {
        int low = lowerBound(sorted, value);
        int high = low;
        while (high < sorted.length && sorted[high] == value) {
            high++;
        }
        return (low + 1 + high) / 2.0;
    }

    private static int lowerBound(double[] sorted, double value) {
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sorted[mid] < value) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
