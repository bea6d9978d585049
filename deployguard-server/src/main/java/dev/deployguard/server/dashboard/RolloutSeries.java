package dev.deployguard.server.dashboard;

import dev.deployguard.server.deploy.AnalysisWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chart data of each app's latest rollout, in memory: the points of every analysis look since the rollout
 * began (or since this control plane started), at most {@link #MAX_POINTS} per rollout. A restarted control plane
 * starts the charts afresh, as the judge starts its evidence afresh.
 */
final class RolloutSeries {
    static final int MAX_POINTS = 2000;

    private record Series(long rolloutId, List<ChartPoint> points, long dropped) {
    }

    private final Map<String, Series> byApp = new ConcurrentHashMap<>();

    void add(AnalysisWindow w) {
        ChartPoint p = ChartPoint.of(w);
        byApp.compute(w.app(), (app, s) -> {
            if (s == null || s.rolloutId() != w.rollout().id()) {
                s = new Series(w.rollout().id(), new ArrayList<>(), 0);
            }
            List<ChartPoint> points = s.points();
            long dropped = s.dropped();
            synchronized (points) {
                points.add(p);
                if (points.size() > MAX_POINTS) {
                    points.remove(0);
                    dropped++;
                }
            }
            return new Series(s.rolloutId(), points, dropped);
        });
    }

    /** The points of rollout {@code rolloutId} of {@code app} from index {@code from} on (counted since it began). */
    Slice since(String app, long rolloutId, long from) {
        Series s = byApp.get(app);
        if (s == null || s.rolloutId() != rolloutId) {
            return new Slice(0, List.of());
        }
        synchronized (s.points()) {
            long end = s.dropped() + s.points().size();
            int start = (int) Math.max(0, from - s.dropped());
            return new Slice(end, List.copyOf(s.points().subList(Math.min(start, s.points().size()),
                    s.points().size())));
        }
    }

    /** Points of one rollout and the count of points since it began (the next {@code from}). */
    record Slice(long end, List<ChartPoint> points) {
    }
}
