package dev.deployguard.server.dashboard;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.store.EventStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The custom metrics' measurements of one rollout, read from its {@code analysis.metric} events in the store: so a
 * page opened mid-rollout gets the history so far, and a restarted control plane still shows every measurement
 * taken before it stopped (the events outlive it; the runner's in-memory statuses do not). Each read continues
 * after the last event id the page has, so a live page asks the store only for what is new.
 */
final class MetricSeries {
    /** At most this many points per read: a page gets the rest on its next tick. */
    static final int MAX_POINTS = 5000;
    private static final int PAGE = 1000;

    /**
     * One measurement.
     *
     * @param id the event's id (the page's cursor)
     * @param t when it was taken, epoch milliseconds
     * @param measurement the measurement's phase: SUCCESSFUL, FAILED, INCONCLUSIVE or ERROR (no value)
     * @param value what the conditions saw: the value, or canary / stable for a relative metric; null without one
     * @param canary a relative metric's canary value, else null
     * @param stable a relative metric's stable value, else null
     * @param phase the metric's phase after this measurement
     * @param text the measurement as the event log tells it
     */
    record Point(long id, long t, String metric, String measurement, Double value, Double canary, Double stable,
                 String phase, boolean dryRun, int failed, int successful, String text) {
    }

    /** Points after a cursor, and the next cursor (the last event id read). */
    record Slice(long end, List<Point> points) {
    }

    private final EventStore store;

    MetricSeries(EventStore store) {
        this.store = store;
    }

    /** The measurements of rollout {@code r} recorded after event {@code afterId}. */
    Slice since(String app, Rollout r, long afterId) {
        List<Point> out = new ArrayList<>();
        long after = afterId;
        while (out.size() < MAX_POINTS) {
            List<Event> page = store.events(app, EventKinds.ANALYSIS_METRIC, after, r.startedAt(), PAGE);
            for (Event e : page) {
                after = e.id();
                Point p = point(e, r.id());
                if (p != null) {
                    out.add(p);
                    if (out.size() == MAX_POINTS) {
                        break;
                    }
                }
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        return new Slice(after, List.copyOf(out));
    }

    /** The point an {@code analysis.metric} event of rollout {@code rolloutId} stands for; null for another's. */
    static Point point(Event e, long rolloutId) {
        Map<String, Object> d = e.data();
        if (!(d.get("rollout") instanceof Number n) || n.longValue() != rolloutId || d.get("metric") == null) {
            return null;
        }
        // A relative measurement's tracks are the event's fields canary and stable (CustomMetrics.data in deploy).
        return new Point(e.id(), e.at().toEpochMilli(), String.valueOf(d.get("metric")),
                String.valueOf(d.getOrDefault("measurement", "")), number(d.get("value")),
                number(d.get("canary")), number(d.get("stable")),
                String.valueOf(d.getOrDefault("phase", "")), Boolean.TRUE.equals(d.get("dryRun")),
                count(d.get("failed")), count(d.get("successful")), e.message());
    }

    private static Double number(Object v) {
        return v instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }

    private static int count(Object v) {
        return v instanceof Number n ? n.intValue() : 0;
    }
}
