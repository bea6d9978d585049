package dev.deployguard.server.incident;

import dev.deployguard.local.router.RouterMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The router's one-second windows in the compact form kept in {@code incident.traffic} events:
 * {@code [startEpochMs, track, revision, requests, errors, latencySumMicros, p99Micros]}, busy seconds only. The
 * router keeps 300 s per track, also for a track that left the route table (reported as retired), and forgets
 * them after that, so incidents capture it.
 */
final class TrafficWindows {
    /** One second of one track. */
    record Window(long startMs, String track, int revision, long requests, long errors, long latencySumMicros,
                  long p99Micros) {
        List<Object> compact() {
            return List.of(startMs, track, revision, requests, errors, latencySumMicros, p99Micros);
        }

        static Window of(List<?> row) {
            return new Window(num(row.get(0)), String.valueOf(row.get(1)), (int) num(row.get(2)), num(row.get(3)),
                    num(row.get(4)), num(row.get(5)), num(row.get(6)));
        }

        private static long num(Object o) {
            return o instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(o));
        }
    }

    /** Sum over some windows. */
    record Totals(long requests, long errors, long latencySumMicros, long worstP99Micros, long seconds) {
        static final Totals NONE = new Totals(0, 0, 0, 0, 0);

        Totals plus(Window w) {
            return new Totals(requests + w.requests(), errors + w.errors(), latencySumMicros + w.latencySumMicros(),
                    Math.max(worstP99Micros, w.p99Micros()), seconds + 1);
        }

        double errorRate() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        double meanLatencyMillis() {
            return requests == 0 ? 0 : latencySumMicros / 1000.0 / requests;
        }
    }

    private TrafficWindows() {
    }

    static List<List<Object>> compact(RouterMetrics m) {
        List<List<Object>> out = new ArrayList<>();
        List<RouterMetrics.TrackMetrics> all = new ArrayList<>(m.tracks());
        all.addAll(m.retired());
        for (RouterMetrics.TrackMetrics t : all) {
            for (RouterMetrics.Window w : t.windows()) {
                if (w.requests() > 0) {
                    out.add(new Window(w.startEpochMs(), t.track(), t.revision(), w.requests(), w.errors(),
                            w.latencySumMicros(), w.p99Micros()).compact());
                }
            }
        }
        return out;
    }

    /** Windows of several captures, each second of each track once (a later capture wins: it saw it complete). */
    static Collection<Window> merge(List<List<?>> rows) {
        Map<String, Window> byKey = new TreeMap<>();
        for (List<?> row : rows) {
            Window w = Window.of(row);
            byKey.put(w.startMs() + "/" + w.track() + "/" + w.revision(), w);
        }
        return byKey.values();
    }
}
