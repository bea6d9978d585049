package dev.deployguard.server.deploy.local;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.local.process.ProcResources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The built-in measures of custom metrics on one host, per track: request rate, error rate and latency quantiles
 * from the router's per-request windows, and resource efficiency — CPU seconds and resident memory per request —
 * from {@code /proc} ({@link ProcResources}: an instance's process and its descendants) divided by the requests the
 * router counted for that track in the same window.
 *
 * <p>Each measurement looks back over its metric's {@code interval} (the whole rollout so far when it has none). The
 * router's windows and the processes' CPU counters are read together whenever a measurement is due, so both sides of
 * a ratio cover the same stretch of time. An absolute metric measures the canary.
 */
public final class LocalMeasures implements MetricQuery {
    // Windows older than this are dropped: no metric looks back further than its interval.
    private static final Duration KEEP = Duration.ofMinutes(30);

    /** What was read at one instant: the router's new windows since the previous reading and each track's usage. */
    private record Reading(Instant at, TrackWindow stable, TrackWindow canary, Optional<ProcResources.Usage> stableUse,
                           Optional<ProcResources.Usage> canaryUse) {
    }

    private final MetricSource router;
    private final ProcResources proc;
    private final IntFunction<List<Long>> pids;
    private final int stableRevision;
    private final int canaryRevision;
    private final Instant since;
    private final Deque<Reading> readings = new ArrayDeque<>();
    private Instant failedAt;
    private String failure;

    /**
     * @param router the router's windows of this rollout (a source of its own: it keeps its own cursor)
     * @param pids the process ids of a revision's instances (their descendants are added)
     * @param since when the rollout began; the first reading is taken now, as the baseline
     */
    public LocalMeasures(MetricSource router, ProcResources proc, IntFunction<List<Long>> pids, int stableRevision,
                         int canaryRevision, Instant since) {
        this.router = router;
        this.proc = proc;
        this.pids = pids;
        this.stableRevision = stableRevision;
        this.canaryRevision = canaryRevision;
        this.since = since;
        readings.add(new Reading(since, TrackWindow.NONE, TrackWindow.NONE, usage(stableRevision),
                usage(canaryRevision)));
    }

    /** Reads the router's new windows and the tracks' usage, at most once a second. */
    @Override
    public synchronized void observe(Instant now) {
        if (!now.isBefore(readings.getLast().at().plusSeconds(1))) {
            read(now);
        }
    }

    private void read(Instant at) {
        WindowObservation w = router.window(readings.getLast().at(), at);
        if (w.isMissing()) {
            failedAt = at;
            failure = w.sourceError();
            return;
        }
        readings.add(new Reading(at, w.stable(), w.canary(), usage(stableRevision), usage(canaryRevision)));
        while (readings.size() > 2 && readings.getFirst().at().isBefore(at.minus(KEEP))) {
            readings.removeFirst();
        }
    }

    @Override
    public synchronized Answer query(MetricDefinition metric, String track, Instant at) {
        String measure = ((Provider.Router) metric.provider()).measure();
        if (at.isAfter(readings.getLast().at()) && !at.equals(failedAt)) {
            read(at);
        }
        if (at.equals(failedAt)) {
            return new Answer.Unavailable(failure);
        }
        boolean canary = track == null || track.equals("canary");
        Instant from = metric.interval() == null ? since : at.minus(metric.interval());
        Reading base = null;
        TrackWindow traffic = TrackWindow.NONE;
        for (Reading r : readings) {
            if (!r.at().isAfter(from)) {
                base = r;
            } else if (!r.at().isAfter(at)) {
                traffic = traffic.plus(canary ? r.canary() : r.stable());
            }
        }
        if (base == null) {
            base = readings.getFirst();
        }
        Duration span = Duration.between(base.at(), at);
        String name = canary ? "canary" : "stable";
        String window = "in " + MetricAnalysis.format(span.toMillis() / 1000.0) + "s";
        if (measure.equals("requestRate")) {
            double seconds = span.toMillis() / 1000.0;
            return seconds <= 0 ? new Answer.Unavailable("no time has passed") : new Answer.Value(
                    traffic.requests() / seconds, traffic.requests() + " requests " + window);
        }
        if (traffic.requests() == 0) {
            return new Answer.Unavailable("no requests on the " + name + " track " + window
                    + " (no evidence, never a zero)");
        }
        String counted = traffic.requests() + " requests " + window;
        return switch (measure) {
            case "errorRate" -> new Answer.Value(traffic.errorRate(), traffic.errors() + " errors in " + counted);
            case "latencyP50" -> latency(traffic, 0.5, counted);
            case "latencyP95" -> latency(traffic, 0.95, counted);
            case "latencyP99" -> latency(traffic, 0.99, counted);
            case "cpuPerRequest", "memoryPerRequest" -> resources(measure, canary, base, traffic, counted);
            default -> new Answer.Unavailable("unknown measure " + measure);
        };
    }

    private Answer resources(String measure, boolean canary, Reading base, TrackWindow traffic, String counted) {
        Optional<ProcResources.Usage> before = canary ? base.canaryUse() : base.stableUse();
        Optional<ProcResources.Usage> after = canary ? readings.getLast().canaryUse() : readings.getLast().stableUse();
        String name = canary ? "canary" : "stable";
        if (before.isEmpty() || after.isEmpty()) {
            return new Answer.Unavailable("the " + name + " instances' /proc cannot be read");
        }
        double cpu = after.get().cpuSeconds() - before.get().cpuSeconds();
        if (cpu < 0) {
            return new Answer.Unavailable("the " + name + " instances restarted during the window");
        }
        ProcResources.Usage per = ProcResources.perRequest(before.get(), after.get(), traffic.requests()).orElseThrow();
        if (measure.equals("cpuPerRequest")) {
            return new Answer.Value(per.cpuSeconds(), MetricAnalysis.format(cpu) + " CPU s over " + counted);
        }
        return new Answer.Value((double) per.residentBytes(), MetricAnalysis.format(after.get().residentBytes()
                / 1048576.0) + " MiB resident over " + counted);
    }

    private static Answer latency(TrackWindow t, double q, String counted) {
        double v = t.histogram().quantile(q);
        return Double.isNaN(v) ? new Answer.Unavailable("no latencies recorded") : new Answer.Value(v, counted);
    }

    private Optional<ProcResources.Usage> usage(int revision) {
        List<Long> all = pids.apply(revision).stream().flatMap(p -> ProcResources.tree(p).stream()).toList();
        return all.isEmpty() ? Optional.empty() : proc.read(all);
    }
}
