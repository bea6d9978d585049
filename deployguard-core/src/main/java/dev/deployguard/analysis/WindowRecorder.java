package dev.deployguard.analysis;

import java.time.Instant;
import java.util.Arrays;

/**
 * Collects one window's requests as the router sees them (track, arrival time, latency, error) and closes them
 * into a {@link WindowObservation}.
 *
 * <p>Latency pairs for the sign test (their latencies, which the judge compares with its own tolerance and
 * indifference): every successful request of the sparser track is paired with the nearest
 * (in arrival time) not yet paired successful request of the other track. The pairing looks only at arrival times,
 * never at latencies, so under "no difference" each pair's sign is a fair coin; pairing close in time cancels
 * load that slows both tracks alike. Errors are left out of the pairs so that the error test and the latency
 * test look at different evidence.
 */
public final class WindowRecorder {
    private final double[] boundsMillis;
    private final Requests stable = new Requests();
    private final Requests canary = new Requests();

    /** @param boundsMillis histogram bucket bounds, e.g. {@link LatencyHistogram#PROMETHEUS_DEFAULT_BOUNDS_MILLIS} */
    public WindowRecorder(double[] boundsMillis) {
        this.boundsMillis = boundsMillis.clone();
        LatencyHistogram.of(this.boundsMillis, new long[this.boundsMillis.length + 1]);
    }

    /** Records one request. */
    public void record(TrackKind track, long arrivalNanos, double latencyMillis, boolean error) {
        if (!(latencyMillis >= 0) || Double.isInfinite(latencyMillis)) {
            throw new IllegalArgumentException("latency must be finite and not negative");
        }
        (track == TrackKind.CANARY ? canary : stable).add(arrivalNanos, latencyMillis, error);
    }

    /** Closes the window: totals per track, histograms and the time-ordered latency pairs. Clears the recorder. */
    public WindowObservation close(Instant start, Instant end) {
        LatencyPairs pairs = pair(stable.successes(), canary.successes());
        WindowObservation window = WindowObservation.measured(start, end, stable.toWindow(boundsMillis),
                canary.toWindow(boundsMillis), pairs);
        stable.clear();
        canary.clear();
        return window;
    }

    private static LatencyPairs pair(Successes stableOk, Successes canaryOk) {
        boolean canarySparser = canaryOk.times().length <= stableOk.times().length;
        Successes sparse = canarySparser ? canaryOk : stableOk;
        Successes dense = canarySparser ? stableOk : canaryOk;
        boolean[] used = new boolean[dense.times().length];
        double[] sample = new double[2 * sparse.times().length];
        int n = 0;
        for (int i = 0; i < sparse.times().length; i++) {
            int j = nearestUnused(dense.times(), used, sparse.times()[i]);
            if (j < 0) {
                break;
            }
            used[j] = true;
            double canaryLatency = canarySparser ? sparse.latencies()[i] : dense.latencies()[j];
            double stableLatency = canarySparser ? dense.latencies()[j] : sparse.latencies()[i];
            sample[n++] = canaryLatency;
            sample[n++] = stableLatency;
        }
        return LatencyPairs.sampled(java.util.Arrays.copyOf(sample, n));
    }

    private static int nearestUnused(long[] times, boolean[] used, long t) {
        int at = Arrays.binarySearch(times, t);
        int right = at >= 0 ? at : -at - 1;
        int left = right - 1;
        while (right < times.length && used[right]) {
            right++;
        }
        while (left >= 0 && used[left]) {
            left--;
        }
        if (left < 0) {
            return right < times.length ? right : -1;
        }
        if (right >= times.length) {
            return left;
        }
        return t - times[left] <= times[right] - t ? left : right;
    }

    /** Successful requests of one track, sorted by arrival time. */
    private record Successes(long[] times, double[] latencies) {
    }

    /** Growable columns of one track's requests. */
    private static final class Requests {
        private long[] times = new long[64];
        private double[] latencies = new double[64];
        private boolean[] errors = new boolean[64];
        private int size;

        void add(long nanos, double latency, boolean error) {
            if (size == times.length) {
                times = Arrays.copyOf(times, size * 2);
                latencies = Arrays.copyOf(latencies, size * 2);
                errors = Arrays.copyOf(errors, size * 2);
            }
            times[size] = nanos;
            latencies[size] = latency;
            errors[size] = error;
            size++;
        }

        /** Successful requests sorted by arrival. */
        Successes successes() {
            Integer[] order = new Integer[size];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (!errors[i]) {
                    order[n++] = i;
                }
            }
            Integer[] ok = Arrays.copyOf(order, n);
            Arrays.sort(ok, (a, b) -> Long.compare(times[a], times[b]));
            long[] okTimes = new long[n];
            double[] okLatencies = new double[n];
            for (int i = 0; i < n; i++) {
                okTimes[i] = times[ok[i]];
                okLatencies[i] = latencies[ok[i]];
            }
            return new Successes(okTimes, okLatencies);
        }

        TrackWindow toWindow(double[] bounds) {
            long errorCount = 0;
            double sum = 0;
            for (int i = 0; i < size; i++) {
                errorCount += errors[i] ? 1 : 0;
                sum += latencies[i];
            }
            return new TrackWindow(size, errorCount, sum,
                    LatencyHistogram.ofLatencies(bounds, Arrays.copyOf(latencies, size)));
        }

        void clear() {
            size = 0;
        }
    }
}
