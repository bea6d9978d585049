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
    /**
     * Tracks the table no longer has, kept with the time they left for as long as their windows reach back (300 s),
     * so that whoever looks after a rollback (an incident's capture) still sees what the rolled-back track served.
     */
    private final Map<TrackKey, Retired> retired = new ConcurrentHashMap<>();
    private final TrackStats.Pairing pairing = new TrackStats.Pairing();
    // Never pruned: a backend removed from the table may still be draining, and the set of backends is small.
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    private volatile PassiveHealth health;

    TrafficStats(Clock clock) {
        this.clock = clock;
    }

    /** Where {@link #metrics} reads the backends ejected by passive health checks. */
    void health(PassiveHealth passiveHealth) {
        this.health = passiveHealth;
    }

    /**
     * Prepares recording for a newly accepted table: stats of tracks it keeps start a new cumulative count, stats
     * of tracks it drops are retired (still reported apart, see {@link #metrics}) until their windows age out.
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
            if (stats == null && retired.containsKey(key)) {
                stats = retired.remove(key).stats();
                stats.resetCumulative();
            } else if (stats == null) {
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
        byTrack.forEach((key, stats) -> {
            if (!kept.containsKey(key)) {
                retired.put(key, new Retired(stats, now));
            }
        });
        byTrack.keySet().retainAll(kept.keySet());
        byTrack.putAll(kept);
        pruneRetired(now);
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
        for (Retired r : retired.values()) {
            r.stats().roll(boundaryEpochMs);
        }
        pruneRetired(boundaryEpochMs);
    }

    private void pruneRetired(long nowEpochMs) {
        retired.values().removeIf(r -> nowEpochMs - r.sinceEpochMs() > TrackStats.WINDOWS * 1000L);
    }

    /** The metrics of the tracks of this snapshot, in table order, and of the tracks retired within 300 s. */
    RouterMetrics metrics(RouteSnapshot snapshot, long sinceEpochMs) {
        List<TrackMetrics> tracks = new ArrayList<>();
        for (RouteSnapshot.Lane lane : snapshot.lanes()) {
            tracks.add(lane.stats().metrics(sinceEpochMs));
        }
        List<TrackMetrics> gone = new ArrayList<>();
        for (Retired r : retired.values()) {
            gone.add(r.stats().metrics(sinceEpochMs));
        }
        PassiveHealth passive = health;
        return new RouterMetrics(snapshot.table().generation(), tracks, inFlight(snapshot), gone,
                passive == null ? List.of() : passive.report());
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

    private record Retired(TrackStats stats, long sinceEpochMs) {
    }
}
