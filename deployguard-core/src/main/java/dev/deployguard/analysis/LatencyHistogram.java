package dev.deployguard.analysis;

import java.util.Arrays;

/**
 * Request latencies counted in buckets with fixed upper bounds, as a Prometheus histogram: {@code counts[i]} are the
 * requests with latency in {@code (bounds[i-1], bounds[i]]}, and one last count for everything above the last bound.
 * Histograms of windows merge by adding counts, which is how a threshold check gets a p99 for a whole interval.
 */
public final class LatencyHistogram {
    /** Prometheus client's default buckets (5 ms to 10 s), in milliseconds. */
    public static final double[] PROMETHEUS_DEFAULT_BOUNDS_MILLIS =
            {5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
    /** No latencies measured. */
    public static final LatencyHistogram EMPTY = new LatencyHistogram(new double[0], new long[] {0});

    private final double[] bounds;
    private final long[] counts;
    private final long total;

    private LatencyHistogram(double[] bounds, long[] counts) {
        this.bounds = bounds;
        this.counts = counts;
        long sum = 0;
        for (long c : counts) {
            sum += c;
        }
        this.total = sum;
    }

    /**
     * @param boundsMillis strictly increasing finite upper bounds
     * @param counts one count per bound plus one for the overflow bucket
     */
    public static LatencyHistogram of(double[] boundsMillis, long[] counts) {
        if (counts.length != boundsMillis.length + 1) {
            throw new IllegalArgumentException("need one count per bound plus an overflow count");
        }
        for (int i = 0; i < boundsMillis.length; i++) {
            if (!Double.isFinite(boundsMillis[i]) || (i > 0 && boundsMillis[i] <= boundsMillis[i - 1])) {
                throw new IllegalArgumentException("bounds must be finite and strictly increasing");
            }
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("counts must not be negative");
            }
        }
        return new LatencyHistogram(boundsMillis.clone(), counts.clone());
    }

    /** Counts the given latencies into buckets with the given bounds. */
    public static LatencyHistogram ofLatencies(double[] boundsMillis, double[] latenciesMillis) {
        long[] counts = new long[boundsMillis.length + 1];
        for (double latency : latenciesMillis) {
            int i = Arrays.binarySearch(boundsMillis, latency);
            counts[i >= 0 ? i : -i - 1]++;
        }
        return of(boundsMillis, counts);
    }

    public long total() {
        return total;
    }

    public double[] boundsMillis() {
        return bounds.clone();
    }

    public long[] counts() {
        return counts.clone();
    }

    /** Adds another histogram's counts; an empty histogram merges with anything. */
    public LatencyHistogram plus(LatencyHistogram other) {
        if (other.total == 0 && other.bounds.length == 0) {
            return this;
        }
        if (total == 0 && bounds.length == 0) {
            return other;
        }
        if (!Arrays.equals(bounds, other.bounds)) {
            throw new IllegalArgumentException("cannot merge histograms with different buckets");
        }
        long[] sum = counts.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.counts[i];
        }
        return new LatencyHistogram(bounds, sum);
    }

    /**
     * The q-quantile as Prometheus' {@code histogram_quantile} computes it: linear interpolation inside the bucket
     * that holds the rank, the last finite bound when the rank falls in the overflow bucket, NaN when empty.
     */
    public double quantile(double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("quantile must be within [0, 1]");
        }
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            long before = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0) {
                if (i == bounds.length) {
                    return bounds.length == 0 ? Double.NaN : bounds[bounds.length - 1];
                }
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * (rank - before) / counts[i];
            }
        }
        return bounds.length == 0 ? Double.NaN : bounds[bounds.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && Arrays.equals(bounds, h.bounds) && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bounds) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram" + Arrays.toString(bounds) + Arrays.toString(counts);
    }
}
