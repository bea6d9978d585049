package dev.deployguard.local.router;

import dev.deployguard.analysis.TrackKind;
import dev.deployguard.local.router.RouterMetrics.Latency;
import dev.deployguard.local.router.RouterMetrics.StatusCounts;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;

/**
 * Per-request evidence for one (track, revision): status classes, proxy failures and latency, cumulative since the
 * current generation and in one-second windows. Recording is lock-free; the per-second roll and reads take a lock.
 */
final class TrackStats {
    /** How many one-second windows are kept. */
    static final int WINDOWS = 300;

    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    private static final int DIGITS = 2;

    private final String track;
    private final int revision;
    private final Pairing pairing;
    private volatile Cumulative cumulative = new Cumulative();
    private volatile Second current;
    // Guarded by this: the second that ended at the last roll, summarized one roll later once no recorder can
    // still be writing into it, so window counts are exact.
    private Second retiring;
    private Second spare;
    private final Window[] ring = new Window[WINDOWS];
    private int ringNext;
    private int ringSize;

    TrackStats(String track, int revision, long nowEpochMs) {
        this(track, revision, nowEpochMs, new Pairing());
    }

    TrackStats(String track, int revision, long nowEpochMs, Pairing pairing) {
        this.track = track;
        this.revision = revision;
        this.pairing = pairing;
        this.current = new Second(secondOf(nowEpochMs));
    }

    String track() {
        return track;
    }

    int revision() {
        return revision;
    }

    /**
     * Records one finished request. A proxy failure counts as a 5xx whatever status reached the client, as does any
     * status outside 100..499 (0 when the client went away before a status was set).
     */
    void record(int status, boolean proxyError, long micros) {
        record(status, proxyError, micros, false);
    }

    /** Records one finished request, counting it as synthetic (built-in load) too when it was marked so. */
    void record(int status, boolean proxyError, long micros, boolean synthetic) {
        long value = Math.min(Math.max(micros, 0), HIGHEST_MICROS);
        boolean error = proxyError || status < 100 || status >= 500;
        Second second = current;
        if (error) {
            second.errors.increment();
        }
        second.latency.recordValue(value);
        second.latencySum.add(value);
        if (!error) {
            if (TrackKind.STABLE.trackName().equals(track)) {
                pairing.lastStableMicros = value;
            } else if (TrackKind.CANARY.trackName().equals(track)) {
                long stable = pairing.lastStableMicros;
                if (stable > 0 && Math.abs(value - stable) > tieBand(value, stable)) {
                    (value > stable ? second.slower : second.faster).increment();
                }
                if (stable > 0) {
                    second.samplePair(value, stable);
                }
            }
        }
        Cumulative total = cumulative;
        total.latency.recordValue(value);
        if (synthetic) {
            total.synthetic.increment();
        }
        if (error) {
            if (proxyError) {
                total.proxyErrors.increment();
            }
            total.serverError.increment();
        } else if (status >= 400) {
            total.clientError.increment();
        } else if (status >= 300) {
            total.redirection.increment();
        } else {
            total.success.increment();
        }
    }

    /** Starts counting from zero for a new generation; windows are kept, they are about time, not tables. */
    void resetCumulative() {
        cumulative = new Cumulative();
    }

    /** Closes the current second at {@code boundaryEpochMs} and publishes the second closed at the previous roll. */
    synchronized void roll(long boundaryEpochMs) {
        if (retiring != null) {
            ring[ringNext] = retiring.summary();
            ringNext = (ringNext + 1) % WINDOWS;
            ringSize = Math.min(ringSize + 1, WINDOWS);
            retiring.reset(0);
            spare = retiring;
        }
        Second next = spare != null ? spare : new Second(0);
        spare = null;
        next.reset(secondOf(boundaryEpochMs));
        retiring = current;
        current = next;
    }

    /** This track's metrics; windows starting before {@code sinceEpochMs} are left out. */
    synchronized TrackMetrics metrics(long sinceEpochMs) {
        Cumulative total = cumulative;
        List<Window> windows = new ArrayList<>(ringSize);
        for (int i = 0; i < ringSize; i++) {
            Window window = ring[(ringNext - ringSize + i + WINDOWS) % WINDOWS];
            if (window.startEpochMs() >= sinceEpochMs) {
                windows.add(window);
            }
        }
        StatusCounts status = new StatusCounts(total.success.sum(), total.redirection.sum(),
                total.clientError.sum(), total.serverError.sum());
        AtomicHistogram latency = total.latency;
        Latency summary = latency.getTotalCount() == 0 ? Latency.NONE
                : new Latency(latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                        latency.getValueAtPercentile(99), latency.getMaxValue());
        return new TrackMetrics(track, revision, status.total(), status, total.proxyErrors.sum(), summary,
                windows, total.synthetic.sum());
    }

    private static long secondOf(long epochMs) {
        return epochMs - Math.floorMod(epochMs, 1000L);
    }

    /** Counts since the generation began. */
    private static final class Cumulative {
        final LongAdder success = new LongAdder();
        final LongAdder redirection = new LongAdder();
        final LongAdder clientError = new LongAdder();
        final LongAdder serverError = new LongAdder();
        final LongAdder proxyErrors = new LongAdder();
        final LongAdder synthetic = new LongAdder();
        final AtomicHistogram latency = new AtomicHistogram(HIGHEST_MICROS, DIGITS);
    }

    /**
     * Pairs closer than this are ties and carry no sign: differences below 1 ms or 10% are noise (JIT warm-up, a
     * GC pause) that no user notices. The band is a symmetric function of the pair, so for exchangeable canary and
     * stable latencies "slower" and "faster" stay equally likely and the sign test keeps its guarantee.
     */
    static long tieBand(long a, long b) {
        return Math.max(TIE_MICROS, Math.min(a, b) / 10);
    }

    static final long TIE_MICROS = 1_000;

    /** The latest successful stable latency, shared by the tracks of one router for the canary's sign test. */
    static final class Pairing {
        volatile long lastStableMicros;
    }

    /** One second being recorded. */
    private static final class Second {
        final AtomicHistogram latency = new AtomicHistogram(HIGHEST_MICROS, DIGITS);
        final LongAdder errors = new LongAdder();
        final LongAdder latencySum = new LongAdder();
        final LongAdder slower = new LongAdder();
        final LongAdder faster = new LongAdder();
        final long[] pairs = new long[2 * Window.MAX_PAIRS];
        final AtomicInteger pairCount = new AtomicInteger();
        long startEpochMs;

        Second(long startEpochMs) {
            this.startEpochMs = startEpochMs;
        }

        void samplePair(long canaryMicros, long stableMicros) {
            int i = pairCount.getAndIncrement();
            if (i < Window.MAX_PAIRS) {
                pairs[2 * i] = canaryMicros;
                pairs[2 * i + 1] = stableMicros;
            }
        }

        Window summary() {
            long requests = latency.getTotalCount();
            if (requests == 0) {
                return new Window(startEpochMs, 0, errors.sum(), 0, 0);
            }
            double[] bounds = Window.BUCKET_BOUNDS_MILLIS;
            List<Long> buckets = new ArrayList<>(bounds.length + 1);
            long below = 0;
            for (double boundMillis : bounds) {
                long upTo = latency.getCountBetweenValues(0, (long) (boundMillis * 1000));
                buckets.add(upTo - below);
                below = upTo;
            }
            buckets.add(requests - below);
            return new Window(startEpochMs, requests, errors.sum(), latency.getValueAtPercentile(50),
                    latency.getValueAtPercentile(99), latencySum.sum(), buckets, slower.sum(), faster.sum(),
                    sampledPairs());
        }

        private List<Long> sampledPairs() {
            int n = Math.min(pairCount.get(), Window.MAX_PAIRS);
            List<Long> out = new ArrayList<>(2 * n);
            for (int i = 0; i < 2 * n; i++) {
                out.add(pairs[i]);
            }
            return out;
        }

        void reset(long newStartEpochMs) {
            latency.reset();
            errors.reset();
            latencySum.reset();
            slower.reset();
            faster.reset();
            pairCount.set(0);
            startEpochMs = newStartEpochMs;
        }
    }
}
