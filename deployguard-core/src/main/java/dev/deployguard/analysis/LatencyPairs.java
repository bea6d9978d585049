package dev.deployguard.analysis;

import java.util.Arrays;

/**
 * The sign-test evidence of a window's latency: canary and stable requests paired by time (each pair one successful
 * canary request and one successful stable request close in time). Either counted by the source — pairs where the
 * canary was slower, and the others — or, better, as a sample of the pairs' latencies themselves, which the judge
 * counts with its own {@link LatencyComparison} (relative tolerance and absolute indifference).
 *
 * @param canarySlower counted pairs where the canary was slower (ignored when {@code sample} holds pairs)
 * @param canaryFaster counted pairs where it was not
 * @param sample pairs' latencies in milliseconds, interleaved: canary, stable, canary, stable, ...
 */
public record LatencyPairs(long canarySlower, long canaryFaster, double[] sample) {
    private static final double[] EMPTY = new double[0];
    public static final LatencyPairs NONE = new LatencyPairs(0, 0);

    public LatencyPairs {
        if (canarySlower < 0 || canaryFaster < 0) {
            throw new IllegalArgumentException("pair counts must not be negative");
        }
        sample = sample == null || sample.length == 0 ? EMPTY : sample.clone();
        if (sample.length % 2 != 0) {
            throw new IllegalArgumentException("a pair sample holds canary and stable latencies in turn");
        }
    }

    /** Pairs counted by the source. */
    public LatencyPairs(long canarySlower, long canaryFaster) {
        this(canarySlower, canaryFaster, EMPTY);
    }

    /** Pairs given by their latencies (canary, stable, canary, stable, ... in milliseconds). */
    public static LatencyPairs sampled(double[] canaryStableMillis) {
        return new LatencyPairs(0, 0, canaryStableMillis);
    }

    /**
     * One pair per window from the tracks' window medians, for metric sources that only report quantiles: under
     * "no difference" the canary's median is above stable's half of the time.
     */
    public static LatencyPairs ofMedians(double canaryMedian, double stableMedian) {
        if (Double.isNaN(canaryMedian) || Double.isNaN(stableMedian) || canaryMedian == stableMedian) {
            return NONE;
        }
        return sampled(new double[] {canaryMedian, stableMedian});
    }

    /** Counts the pairs: [slower, not slower] under the comparison when sampled, else the source's counts. */
    public long[] count(LatencyComparison comparison) {
        if (sample.length == 0) {
            return new long[] {canarySlower, canaryFaster};
        }
        long slower = 0;
        for (int i = 0; i < sample.length; i += 2) {
            slower += comparison.slower(sample[i], sample[i + 1]) ? 1 : 0;
        }
        return new long[] {slower, sample.length / 2 - slower};
    }

    public long pairs() {
        return sample.length > 0 ? sample.length / 2 : canarySlower + canaryFaster;
    }

    @Override
    public double[] sample() {
        return sample.clone();
    }

    public LatencyPairs plus(LatencyPairs other) {
        double[] joined = Arrays.copyOf(sample, sample.length + other.sample.length);
        System.arraycopy(other.sample, 0, joined, sample.length, other.sample.length);
        return new LatencyPairs(canarySlower + other.canarySlower, canaryFaster + other.canaryFaster, joined);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyPairs p && canarySlower == p.canarySlower && canaryFaster == p.canaryFaster
                && Arrays.equals(sample, p.sample);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(canarySlower) * 31 + Long.hashCode(canaryFaster) * 17 + Arrays.hashCode(sample);
    }

    @Override
    public String toString() {
        return sample.length > 0 ? "LatencyPairs[" + sample.length / 2 + " sampled]"
                : "LatencyPairs[slower=" + canarySlower + ", faster=" + canaryFaster + "]";
    }
}
