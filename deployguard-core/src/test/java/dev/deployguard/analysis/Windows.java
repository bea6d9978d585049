package dev.deployguard.analysis;

import java.time.Duration;
import java.time.Instant;

/** Hand-made windows for judge tests. */
final class Windows {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Windows() {
    }

    /** The {@code index}-th window of the given length, with request and error counts per track. */
    static WindowObservation counts(int index, Duration length, long stableRequests, long stableErrors,
                                    long canaryRequests, long canaryErrors) {
        Instant start = T0.plus(length.multipliedBy(index));
        return WindowObservation.measured(start, start.plus(length), TrackWindow.counts(stableRequests, stableErrors),
                TrackWindow.counts(canaryRequests, canaryErrors), LatencyPairs.NONE);
    }

    /** As {@link #counts} with mean latencies and a canary histogram. */
    static WindowObservation full(int index, Duration length, long stableRequests, long stableErrors,
                                  double stableMeanMillis, long canaryRequests, long canaryErrors,
                                  double canaryMeanMillis, LatencyHistogram canaryHistogram, LatencyPairs pairs) {
        Instant start = T0.plus(length.multipliedBy(index));
        return WindowObservation.measured(start, start.plus(length),
                new TrackWindow(stableRequests, stableErrors, stableMeanMillis * stableRequests, LatencyHistogram.EMPTY),
                new TrackWindow(canaryRequests, canaryErrors, canaryMeanMillis * canaryRequests, canaryHistogram),
                pairs);
    }

    static WindowObservation missing(int index, Duration length, String reason) {
        Instant start = T0.plus(length.multipliedBy(index));
        return WindowObservation.missing(start, start.plus(length), reason);
    }
}
