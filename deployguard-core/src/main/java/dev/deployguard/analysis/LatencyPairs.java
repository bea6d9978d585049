package dev.deployguard.analysis;

/**
 * The sign-test summary of a window's latency: canary and stable requests paired by time (each pair one canary and
 * one stable request close in time), counting the pairs where the canary was slower and where it was faster. Tied
 * pairs carry no sign and are left out.
 */
public record LatencyPairs(long canarySlower, long canaryFaster) {
    public static final LatencyPairs NONE = new LatencyPairs(0, 0);

    public LatencyPairs {
        if (canarySlower < 0 || canaryFaster < 0) {
            throw new IllegalArgumentException("pair counts must not be negative");
        }
    }

    /**
     * One pair per window from the tracks' window medians, for metric sources that only report quantiles: under
     * "no difference" the canary's median is above stable's half of the time.
     */
    public static LatencyPairs ofMedians(double canaryMedian, double stableMedian) {
        if (Double.isNaN(canaryMedian) || Double.isNaN(stableMedian) || canaryMedian == stableMedian) {
            return NONE;
        }
        return canaryMedian > stableMedian ? new LatencyPairs(1, 0) : new LatencyPairs(0, 1);
    }

    public long pairs() {
        return canarySlower + canaryFaster;
    }

    public LatencyPairs plus(LatencyPairs other) {
        return new LatencyPairs(canarySlower + other.canarySlower, canaryFaster + other.canaryFaster);
    }
}
