package dev.deployguard.local.router;

import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** All recording of one router: a {@link TrackStats} per (track, revision) and an in-flight counter per backend. */
final class TrafficStats {
    private final Clock clock;
    private final Map<TrackKey, TrackStats> byTrack = new ConcurrentHashMap<>();
    private final TrackStats.Pairing pairing = new TrackStats.Pairing();
    // Never pruned: a backend removed from the table may still be draining, and the set of backends is small.
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    TrafficStats(Clock clock) {
        this.clock = clock;
    }

    /**
     * Prepares recording for a newly accepted table: stats of tracks it keeps start a new cumulative count, stats
     * of tracks it drops are forgotten.
     *
     * @return the stats per track name of the table, for its snapshot
     */
    synchronized Map<String, TrackStats> beginGeneration(RouteTable table) {
        Map<String, TrackStats> byName = new HashMap<>();
        Map<TrackKey, TrackStats> kept = new HashMap<>();
        long now = clock.millis();
        for (Track track : table.tracks()) {
            TrackKey key = new TrackKey(track.name(), track.revision());
            TrackStats stats = byTrack.get(key);
            if (stats == null) {
                stats = new TrackStats(track.name(), track.revision(), now, pairing);
            } else {
                stats.resetCumulative();
            }
            kept.put(key, stats);
            byName.put(track.name(), stats);
            for (String backend : track.backends()) {
                inFlight.computeIfAbsent(backend, b -> new AtomicInteger());
            }
        }
        byTrack.keySet().retainAll(kept.keySet());
        byTrack.putAll(kept);
        return byName;
    }

    Map<String, AtomicInteger> inFlightCounters() {
        return inFlight;
    }

    /** Closes the current one-second window of every track at this boundary. */
    void roll(long boundaryEpochMs) {
        for (TrackStats stats : byTrack.values()) {
            stats.roll(boundaryEpochMs);
        }
    }

    /** The metrics of the tracks of this snapshot, in table order. */
    RouterMetrics metrics(RouteSnapshot snapshot, long sinceEpochMs) {
        List<TrackMetrics> tracks = new ArrayList<>();
        for (RouteSnapshot.Lane lane : snapshot.lanes()) {
            tracks.add(lane.stats().metrics(sinceEpochMs));
        }
        return new RouterMetrics(snapshot.table().generation(), tracks, inFlight(snapshot));
    }

    /** Requests in flight per backend: every backend of the snapshot, and any other one still draining. */
    Map<String, Integer> inFlight(RouteSnapshot snapshot) {
        Set<String> backends = new HashSet<>();
        for (RouteSnapshot.Lane lane : snapshot.lanes()) {
            backends.addAll(lane.track().backends());
        }
        Map<String, Integer> counts = new TreeMap<>();
        inFlight.forEach((backend, count) -> {
            int value = count.get();
            if (value != 0 || backends.contains(backend)) {
                counts.put(backend, value);
            }
        });
        return counts;
    }

    private record TrackKey(String track, int revision) {
    }
}
