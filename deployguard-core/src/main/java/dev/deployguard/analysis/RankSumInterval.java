package dev.deployguard.analysis;

import java.util.Arrays;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The Mann-Whitney (Wilcoxon rank-sum) confidence interval and Hodges-Lehmann estimate of the shift x − y, computed
 * as Kayenta's {@code MannWhitney} and R's {@code wilcox.test(conf.int = TRUE)} do with the normal approximation:
 * the shifts mu where the standardised rank sum of x − mu (with continuity and tie corrections) equals the normal
 * quantiles.
 */
final class RankSumInterval {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

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
        double estimate = root(x, y, 0, muMin, muMax);
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
        double scale = Math.max(Math.abs(muMin), Math.abs(muMax));
        BrentSolver solver = new BrentSolver(1e-12, Math.max(scale * 1e-10, Double.MIN_NORMAL));
        return solver.solve(200, mu -> standardised(x, y, mu) - quantile, muMin, muMax);
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
