package dev.deployguard.analysis;

import java.util.Objects;

/**
 * One track's traffic in one window: requests, errors among them, the sum of their latencies (for the mean) and a
 * latency histogram (for quantiles; {@link LatencyHistogram#EMPTY} when the source has none).
 */
public record TrackWindow(long requests, long errors, double latencySumMillis, LatencyHistogram histogram) {
    public static final TrackWindow NONE = new TrackWindow(0, 0, 0, LatencyHistogram.EMPTY);

    public TrackWindow {
        Objects.requireNonNull(histogram, "histogram");
        if (requests < 0 || errors < 0 || errors > requests) {
            throw new IllegalArgumentException("need 0 <= errors <= requests, was " + errors + " of " + requests);
        }
        if (!(latencySumMillis >= 0) || Double.isInfinite(latencySumMillis)) {
            throw new IllegalArgumentException("latency sum must be finite and not negative");
        }
    }

    /** Counts only, without latencies. */
    public static TrackWindow counts(long requests, long errors) {
        return new TrackWindow(requests, errors, 0, LatencyHistogram.EMPTY);
    }

    /** Adds another window of the same track. */
    public TrackWindow plus(TrackWindow other) {
        return new TrackWindow(requests + other.requests, errors + other.errors,
                latencySumMillis + other.latencySumMillis, histogram.plus(other.histogram));
    }

    /** Errors per request, NaN without requests. */
    public double errorRate() {
        return requests == 0 ? Double.NaN : (double) errors / requests;
    }

    /** Mean latency per request, NaN without requests. */
    public double meanLatencyMillis() {
        return requests == 0 ? Double.NaN : latencySumMillis / requests;
    }
}
