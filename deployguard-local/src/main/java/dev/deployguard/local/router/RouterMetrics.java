package dev.deployguard.local.router;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the router saw of its traffic, as served by {@code GET /admin/metrics}: per track (name and revision) the
 * counts and latency since the route table's generation took effect, and one-second windows of the last 300 s;
 * plus the requests in flight per backend; plus, apart, the tracks the table dropped within the last 300 s (a
 * rolled-back canary), whose windows still tell what they served; plus the backends the router's passive health
 * check ejected (a refused or reset connection), so the control plane sees a crashed instance at once.
 */
public record RouterMetrics(long generation, List<TrackMetrics> tracks, Map<String, Integer> inFlight,
                            List<TrackMetrics> retired, List<BackendHealth> backends) {
    public RouterMetrics {
        tracks = List.copyOf(tracks);
        inFlight = Collections.unmodifiableMap(new TreeMap<>(inFlight));
        retired = retired == null ? List.of() : List.copyOf(retired);
        backends = backends == null ? List.of() : List.copyOf(backends);
    }

    public RouterMetrics(long generation, List<TrackMetrics> tracks, Map<String, Integer> inFlight,
                         List<TrackMetrics> retired) {
        this(generation, tracks, inFlight, retired, List.of());
    }

    /**
     * A backend the router ejected at least once: whether it is out now and until when, how often, and the last
     * reason (e.g. "connection refused").
     */
    public record BackendHealth(String backend, boolean ejected, long ejectedUntilEpochMs, long ejections,
                                String lastFailure) {
    }


    /** The metrics of the track with this name, if the current table has it. */
    public Optional<TrackMetrics> track(String name) {
        return tracks.stream().filter(t -> t.track().equals(name)).findFirst();
    }

    /**
     * One track's traffic: cumulative since the generation, and recent one-second windows, oldest first;
     * {@code synthetic} of the {@code requests} were DeployGuard's built-in load ({@code X-DeployGuard-Synthetic}).
     */
    public record TrackMetrics(String track, int revision, long requests, StatusCounts status, long proxyErrors,
                               Latency latencyMicros, List<Window> windows, long synthetic) {
        public TrackMetrics {
            windows = List.copyOf(windows);
        }

        public TrackMetrics(String track, int revision, long requests, StatusCounts status, long proxyErrors,
                            Latency latencyMicros, List<Window> windows) {
            this(track, revision, requests, status, proxyErrors, latencyMicros, windows, 0);
        }
    }

    /** Responses by status class; a backend the router could not reach counts as 5xx (502 or 504). */
    public record StatusCounts(@JsonProperty("2xx") long success, @JsonProperty("3xx") long redirection,
                               @JsonProperty("4xx") long clientError, @JsonProperty("5xx") long serverError) {
        public long total() {
            return success + redirection + clientError + serverError;
        }
    }

    /** Latency percentiles in microseconds, measured at the router from request arrival to response completion. */
    public record Latency(long p50, long p90, long p99, long max) {
        public static final Latency NONE = new Latency(0, 0, 0, 0);
    }

    /**
     * One second of one track's traffic, starting at {@code startEpochMs}; windows start on the same second
     * boundaries for every track, so tracks can be compared window by window. Errors are 5xx responses. Besides
     * quantiles, a window carries the latency sum and bucket counts (so windows merge into exact interval
     * histograms) and, on the canary track, the sign-test pairs: each successful canary request compared with
     * the latest successful stable request, counted as slower or faster (ties dropped), and the first
     * {@link #MAX_PAIRS} of those pairs' latencies ({@code pairMicros}: canary, stable, canary, stable, ...) so the
     * judge can count them with its own tolerance and indifference. A router older than the field sends none; the
     * counts are used then.
     */
    public record Window(long startEpochMs, long requests, long errors, long p50Micros, long p99Micros,
                         long latencySumMicros, List<Long> latencyBuckets, long canarySlower, long canaryFaster,
                         List<Long> pairMicros) {
        /** Pairs sampled per second: the first ones, chosen by arrival only, so the sample is as fair as all. */
        public static final int MAX_PAIRS = 128;
        /** Upper bounds of {@link #latencyBuckets} in milliseconds (Prometheus' defaults); one more overflow count. */
        public static final double[] BUCKET_BOUNDS_MILLIS =
                {5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};

        public Window {
            latencyBuckets = latencyBuckets == null ? List.of() : List.copyOf(latencyBuckets);
            pairMicros = pairMicros == null ? List.of() : List.copyOf(pairMicros);
        }

        public Window(long startEpochMs, long requests, long errors, long p50Micros, long p99Micros) {
            this(startEpochMs, requests, errors, p50Micros, p99Micros, 0, List.of(), 0, 0, List.of());
        }
    }
}
