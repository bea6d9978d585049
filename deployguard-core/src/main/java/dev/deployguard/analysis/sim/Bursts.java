package dev.deployguard.analysis.sim;

/**
 * Correlated error bursts that hit both tracks at once (a dependency failing, a noisy neighbour): bursts start as a
 * Poisson process with the given mean gap, last an exponential time with the given mean, and multiply both
 * tracks' error probabilities while they last. Bursts switch on and off at window boundaries.
 */
public record Bursts(double meanGapSeconds, double meanDurationSeconds, double errorMultiplier) {
    /** No bursts. */
    public static final Bursts NONE = new Bursts(Double.POSITIVE_INFINITY, 0, 1);

    public Bursts {
        if (!(meanGapSeconds > 0) || !(meanDurationSeconds >= 0) || !(errorMultiplier >= 1)) {
            throw new IllegalArgumentException("need a positive gap, a duration >= 0 and a multiplier >= 1");
        }
    }

    public boolean any() {
        return Double.isFinite(meanGapSeconds) && meanDurationSeconds > 0 && errorMultiplier > 1;
    }
}
