package dev.deployguard.analysis;

import java.util.Arrays;
import java.util.Random;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.descriptive.rank.Percentile.EstimationType;

/**
 * Kayenta's metric preprocessing (kayenta-judge preprocessing/Transforms, detectors/IQRDetector): NaN removal or
 * replacement with zero, outlier removal by the interquartile range, and the Gaussian noise its Mann-Whitney
 * classifier adds when each side holds a single distinct value.
 */
public final class KayentaTransforms {
    /** Kayenta's {@code nanStrategy}: what a NaN value in a series becomes. */
    public enum NanStrategy {
        /** Drop NaN values (Kayenta's default, also for unknown strategy names). */
        REMOVE,
        /** Replace NaN values with 0; an empty side then passes instead of being NODATA. */
        REPLACE
    }

    /** Kayenta scales the noise to the value: standard deviation value × 1e-5. */
    static final double NOISE_SCALE = 1e-5;

    private KayentaTransforms() {
    }

    public static double[] removeNaNs(double[] data) {
        return Arrays.stream(data).filter(v -> !Double.isNaN(v)).toArray();
    }

    public static double[] replaceNaNs(double[] data, double value) {
        return Arrays.stream(data).map(v -> Double.isNaN(v) ? value : v).toArray();
    }

    public static double[] handleNaNs(double[] data, NanStrategy strategy) {
        return strategy == NanStrategy.REPLACE ? replaceNaNs(data, 0) : removeNaNs(data);
    }

    /**
     * Kayenta's IQRDetector: a value below Q1 − factor·IQR or above Q3 + factor·IQR is an outlier (R-7 quantiles).
     * With {@code reduceSensitivity} (what the judge uses) the fences widen to at least the 1st and 99th percentiles.
     */
    public static boolean[] outliers(double[] data, double factor, boolean reduceSensitivity) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("factor must be greater than zero");
        }
        boolean[] out = new boolean[data.length];
        if (data.length == 0) {
            return out;
        }
        double p25 = percentile(data, 25);
        double p75 = percentile(data, 75);
        double iqr = p75 - p25;
        double lower = p25 - factor * iqr;
        double upper = p75 + factor * iqr;
        if (reduceSensitivity) {
            lower = Math.min(percentile(data, 1), lower);
            upper = Math.max(percentile(data, 99), upper);
        }
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i] > upper || data[i] < lower;
        }
        return out;
    }

    /** Kayenta's {@code outliers: {strategy: remove, outlierFactor}} as the judge applies it. */
    public static double[] removeOutliers(double[] data, double factor, boolean reduceSensitivity) {
        boolean[] outlier = outliers(data, factor, reduceSensitivity);
        double[] kept = new double[data.length];
        int n = 0;
        for (int i = 0; i < data.length; i++) {
            if (!outlier[i]) {
                kept[n++] = data[i];
            }
        }
        return Arrays.copyOf(kept, n);
    }

    /**
     * Kayenta's MannWhitneyClassifier adds noise only when both sides each hold one distinct value (and the two
     * differ, else the metric already passed): the rank test has no ties to break otherwise.
     */
    public static boolean needsNoise(double[] canary, double[] baseline) {
        return canary.length > 0 && baseline.length > 0 && Arrays.stream(canary).distinct().count() == 1
                && Arrays.stream(baseline).distinct().count() == 1;
    }

    /** Gaussian noise with standard deviation value × 1e-5, from the given (seeded) source. */
    public static double[] addNoise(double[] values, Random random) {
        double scale = values[0] * NOISE_SCALE;
        return Arrays.stream(values).map(v -> v + random.nextGaussian() * scale).toArray();
    }

    static double percentile(double[] data, double p) {
        return new Percentile().withEstimationType(EstimationType.R_7).evaluate(data, p);
    }
}
