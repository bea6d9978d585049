package dev.deployguard.analysis;

import java.time.Instant;
import java.util.Objects;

/**
 * What the metric source saw of stable and canary in one aligned time window, or that it could not see it.
 *
 * @param start window start (inclusive)
 * @param end window end (exclusive)
 * @param stable stable's requests, errors and latencies in the window
 * @param canary canary's requests, errors and latencies in the same window
 * @param canaryShare the router's actual share of requests that went to the canary in this window (not the
 *                    configured weight)
 * @param pairs time-paired latency comparisons of successful requests
 * @param sourceError empty when measured; otherwise why the metric source could not measure this window
 */
public record WindowObservation(Instant start, Instant end, TrackWindow stable, TrackWindow canary,
                                double canaryShare, LatencyPairs pairs, String sourceError) {
    public WindowObservation {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(stable, "stable");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(pairs, "pairs");
        Objects.requireNonNull(sourceError, "sourceError");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("window must end after it starts");
        }
        if (!(canaryShare >= 0 && canaryShare <= 1)) {
            throw new IllegalArgumentException("canary share must be within [0, 1], was " + canaryShare);
        }
    }

    /** A measured window whose canary share is the canary's fraction of the window's requests. */
    public static WindowObservation measured(Instant start, Instant end, TrackWindow stable, TrackWindow canary,
                                             LatencyPairs pairs) {
        long total = stable.requests() + canary.requests();
        double share = total == 0 ? 0 : (double) canary.requests() / total;
        return new WindowObservation(start, end, stable, canary, share, pairs, "");
    }

    /** A window the metric source could not measure: judges hold instead of judging it. */
    public static WindowObservation missing(Instant start, Instant end, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a missing window needs a reason");
        }
        return new WindowObservation(start, end, TrackWindow.NONE, TrackWindow.NONE, 0, LatencyPairs.NONE, reason);
    }

    public boolean isMissing() {
        return !sourceError.isEmpty();
    }
}
