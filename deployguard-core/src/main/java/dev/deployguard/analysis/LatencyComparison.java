package dev.deployguard.analysis;

/**
 * When one canary request counts as slower than the stable request it is paired with: only beyond both a relative
 * tolerance and an absolute indifference, {@code canary > (1 + tolerance) · stable + indifference}. A canary 1 ms
 * slower than a 1 ms stable is not a regression users feel; with {@code indifference} 5 ms it is not counted.
 *
 * <p>The latency test's null is "the canary's latency is stochastically at most (1 + tolerance) · stable +
 * indifference". Under it, for a canary request C and an independent stable request S, P(C &gt; g(S)) ≤
 * P(g(S') &gt; g(S)) ≤ 1/2 with S' an independent copy of S and g increasing, so each pair is "slower" with
 * probability at most one half, whatever the latency distributions are.
 *
 * @param tolerance relative margin (0.1 = the canary may be 10% slower)
 * @param indifferenceMillis absolute margin in milliseconds
 */
public record LatencyComparison(double tolerance, double indifferenceMillis) {
    /** Strict: any slower canary request counts (the old sign test's comparison). */
    public static final LatencyComparison STRICT = new LatencyComparison(0, 0);

    public LatencyComparison {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance) || !(indifferenceMillis >= 0)
                || Double.isInfinite(indifferenceMillis)) {
            throw new IllegalArgumentException("latency tolerance and indifference must be finite and not negative");
        }
    }

    /** Whether a canary latency counts as slower than the paired stable latency. */
    public boolean slower(double canaryMillis, double stableMillis) {
        return canaryMillis > bound(stableMillis);
    }

    /** The latency a canary request may take when its stable pair took {@code stableMillis}. */
    public double bound(double stableMillis) {
        return (1 + tolerance) * stableMillis + indifferenceMillis;
    }

    @Override
    public String toString() {
        return String.format("%.2f × stable + %s ms", 1 + tolerance, trim(indifferenceMillis));
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
