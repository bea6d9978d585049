package dev.deployguard.local.router;

import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackKind;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.error.DeployGuardException;
import java.time.Instant;
import java.util.function.LongFunction;

/**
 * The built-in router's per-request evidence for one rollout: its aligned one-second windows of the stable and canary
 * tracks (counts, exact latency histograms, the canary's sign-test pairs). Only seconds that closed at least 1.5 s
 * before the window's end are taken (the router publishes a second once no request can still land in it), and each
 * second once: the source keeps its own cursor, so the {@code start} asked for is where that cursor already is. If
 * the router does not answer, the window is reported missing: the judges hold instead of judging.
 */
public final class RouterMetricSource implements MetricSource {
    private final LongFunction<RouterMetrics> metricsSince;
    private final int stableRevision;
    private final int canaryRevision;
    private long lastWindowMs;

    /**
     * @param metricsSince the router's windows that start after an epoch millisecond (throws
     *                     {@link DeployGuardException} when the router cannot be asked)
     * @param since when the rollout began: only seconds that begin after it are taken (earlier ones had no canary)
     */
    public RouterMetricSource(LongFunction<RouterMetrics> metricsSince, int stableRevision, int canaryRevision,
                              Instant since) {
        this.metricsSince = metricsSince;
        this.stableRevision = stableRevision;
        this.canaryRevision = canaryRevision;
        this.lastWindowMs = since.toEpochMilli() - Math.floorMod(since.toEpochMilli(), 1000L);
    }

    @Override
    public WindowObservation window(Instant start, Instant now) {
        Instant from = Instant.ofEpochMilli(lastWindowMs + 1000);
        Instant end = now.isAfter(from) ? now : from.plusMillis(1);
        RouterMetrics m;
        try {
            m = metricsSince.apply(lastWindowMs + 1);
        } catch (DeployGuardException e) {
            return WindowObservation.missing(from, end, "router metrics unavailable: " + e.getMessage());
        }
        long complete = now.toEpochMilli() - 1500;
        TrackWindow stable = TrackWindow.NONE;
        TrackWindow canary = TrackWindow.NONE;
        LatencyPairs pairs = LatencyPairs.NONE;
        long last = lastWindowMs;
        for (RouterMetrics.TrackMetrics t : m.tracks()) {
            boolean isCanary = t.revision() == canaryRevision && t.track().equals(TrackKind.CANARY.trackName());
            boolean isStable = t.revision() == stableRevision && t.track().equals(TrackKind.STABLE.trackName());
            if (!isCanary && !isStable) {
                continue;
            }
            for (RouterMetrics.Window w : t.windows()) {
                if (w.startEpochMs() <= lastWindowMs || w.startEpochMs() > complete) {
                    continue;
                }
                last = Math.max(last, w.startEpochMs());
                TrackWindow tw = trackWindow(w);
                if (isCanary) {
                    canary = canary.plus(tw);
                    pairs = pairs.plus(pairs(w));
                } else {
                    stable = stable.plus(tw);
                }
            }
        }
        lastWindowMs = last;
        if (!Instant.ofEpochMilli(last + 1000).isAfter(from)) {
            return WindowObservation.measured(from, end, TrackWindow.NONE, TrackWindow.NONE, LatencyPairs.NONE);
        }
        return WindowObservation.measured(from, Instant.ofEpochMilli(last + 1000), stable, canary, pairs);
    }

    /** The window's sampled pairs in milliseconds, or its counts from a router that sends no sample. */
    private static LatencyPairs pairs(RouterMetrics.Window w) {
        if (w.pairMicros().isEmpty()) {
            return new LatencyPairs(w.canarySlower(), w.canaryFaster());
        }
        double[] millis = new double[w.pairMicros().size() - w.pairMicros().size() % 2];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = w.pairMicros().get(i) / 1000.0;
        }
        return LatencyPairs.sampled(millis);
    }

    private static TrackWindow trackWindow(RouterMetrics.Window w) {
        if (w.requests() == 0) {
            return TrackWindow.counts(0, 0);
        }
        double[] bounds = RouterMetrics.Window.BUCKET_BOUNDS_MILLIS;
        long[] counts = new long[bounds.length + 1];
        if (w.latencyBuckets().size() == counts.length) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] = w.latencyBuckets().get(i);
            }
        } else {
            counts[counts.length - 1] = w.requests();
        }
        return new TrackWindow(w.requests(), Math.min(w.errors(), w.requests()), w.latencySumMicros() / 1000.0,
                LatencyHistogram.of(bounds, counts));
    }
}
