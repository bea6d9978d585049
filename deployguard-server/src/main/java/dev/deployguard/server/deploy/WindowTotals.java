package dev.deployguard.server.deploy;

/**
 * Stable and canary traffic over one analysis interval, from the router's aligned one-second windows: request and
 * error counts, the canary's actual share, and request-weighted mean p50/p99 latency per track (microseconds).
 */
public record WindowTotals(long startEpochMs, long endEpochMs, long stableRequests, long stableErrors,
                           long canaryRequests, long canaryErrors, double stableP50Micros, double canaryP50Micros,
                           double stableP99Micros, double canaryP99Micros) {

    public double canaryShare() {
        long total = stableRequests + canaryRequests;
        return total == 0 ? 0 : (double) canaryRequests / total;
    }
}
