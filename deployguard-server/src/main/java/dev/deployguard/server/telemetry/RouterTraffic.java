package dev.deployguard.server.telemetry;

import dev.deployguard.local.router.RouterMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests, errors and latency per app and track as the router saw them. The router keeps one-second windows of
 * the last 300 s, each with its latency bucket counts; every scrape adds the windows completed since the previous
 * one to running totals, so the counters and the histogram only grow for the life of the control plane (as
 * Prometheus expects of them) and match the router's own numbers window by window. A scrape interval longer than
 * 300 s would miss windows.
 *
 * <p>The histogram is registered as a collector on Micrometer's underlying Prometheus registry, not as a Micrometer
 * meter: the router already counted the buckets, and Micrometer's histograms only take one value at a time.
 */
final class RouterTraffic implements MultiCollector {
    static final String LATENCY = "deployguard_router_request_duration_seconds";
    private static final String HELP = "Latency from request arrival to response completion at the router, per app"
            + " and track";
    private static final double[] BOUNDS_SECONDS;

    static {
        double[] millis = RouterMetrics.Window.BUCKET_BOUNDS_MILLIS;
        BOUNDS_SECONDS = new double[millis.length + 1];
        for (int i = 0; i < millis.length; i++) {
            BOUNDS_SECONDS[i] = millis[i] / 1000.0;
        }
        BOUNDS_SECONDS[millis.length] = Double.POSITIVE_INFINITY;
    }

    private final MeterRegistry registry;
    private final Map<Key, Totals> totals = new ConcurrentHashMap<>();

    RouterTraffic(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One series: an app's track serving one revision. */
    record Key(String app, String track, int revision) {
    }

    /** Running totals of one series; written under this object's monitor. */
    static final class Totals {
        volatile long requests;
        volatile long errors;
        final long[] buckets = new long[BOUNDS_SECONDS.length];
        double sumSeconds;
        long lastWindowStart = Long.MIN_VALUE;
    }

    /** Adds the windows of {@code app} that are complete at {@code nowMs} and not yet counted. */
    void add(String app, RouterMetrics m, long nowMs) {
        List<RouterMetrics.TrackMetrics> all = new ArrayList<>(m.tracks());
        all.addAll(m.retired());
        for (RouterMetrics.TrackMetrics t : all) {
            Totals tot = totals(new Key(app, t.track(), t.revision()));
            synchronized (tot) {
                for (RouterMetrics.Window w : t.windows()) {
                    if (w.startEpochMs() <= tot.lastWindowStart || w.startEpochMs() + 1000 > nowMs) {
                        continue;
                    }
                    tot.lastWindowStart = w.startEpochMs();
                    tot.requests += w.requests();
                    tot.errors += w.errors();
                    tot.sumSeconds += w.latencySumMicros() / 1e6;
                    List<Long> b = w.latencyBuckets();
                    for (int i = 0; i < b.size() && i < tot.buckets.length; i++) {
                        tot.buckets[i] += b.get(i);
                    }
                }
            }
        }
    }

    private Totals totals(Key k) {
        return totals.computeIfAbsent(k, key -> {
            Totals t = new Totals();
            String rev = Integer.toString(key.revision());
            FunctionCounter.builder("deployguard.router.requests", t, x -> x.requests)
                    .description("Requests the app's router answered on this track (completed one-second windows)")
                    .tags("app", key.app(), "track", key.track(), "revision", rev).register(registry);
            FunctionCounter.builder("deployguard.router.errors", t, x -> x.errors)
                    .description("5xx answers (including 502/504 for an unreachable backend) on this track")
                    .tags("app", key.app(), "track", key.track(), "revision", rev).register(registry);
            return t;
        });
    }

    @Override
    public MetricSnapshots collect() {
        var h = HistogramSnapshot.builder().name(LATENCY).help(HELP);
        totals.forEach((k, t) -> {
            long[] counts;
            double sum;
            synchronized (t) {
                counts = t.buckets.clone();
                sum = t.sumSeconds;
            }
            // Counts per bucket, not cumulative: the text format writer sums them into le="..." buckets.
            h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
                    .sum(sum).labels(Labels.of("app", k.app(), "revision", Integer.toString(k.revision()),
                            "track", k.track())).build());
        });
        return new MetricSnapshots(h.build());
    }

    /** What the registry checks for name clashes before any scrape (the one family {@link #collect} answers). */
    @Override
    public List<MetricFamilyDescriptor> getMetricFamilyDescriptors() {
        return List.of(MetricFamilyDescriptor.histogram(LATENCY).help(HELP).labelNames("app", "revision", "track")
                .build());
    }
}
