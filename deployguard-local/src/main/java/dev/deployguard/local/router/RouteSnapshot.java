package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable, ready-to-route form of a route table: cumulative weights for the weighted draw, and per track its
 * backends, a round-robin cursor and where to record. Replaced whole on every accepted table.
 */
final class RouteSnapshot {
    private final RouteTable table;
    private final boolean accepted;
    private final Lane[] lanes;
    private final int[] upperBounds;
    private final Map<String, Lane> byName;

    private RouteSnapshot(RouteTable table, boolean accepted, Lane[] lanes) {
        this.table = table;
        this.accepted = accepted;
        this.lanes = lanes;
        this.upperBounds = new int[lanes.length];
        this.byName = new HashMap<>();
        int bound = 0;
        for (int i = 0; i < lanes.length; i++) {
            bound += lanes[i].track.weightBasisPoints();
            upperBounds[i] = bound;
            byName.put(lanes[i].track.name(), lanes[i]);
        }
    }

    /** The snapshot of a router that has not been given a table yet: generation 0, no tracks. */
    static RouteSnapshot empty(String app) {
        return new RouteSnapshot(new RouteTable(app, 0, List.of()), false, new Lane[0]);
    }

    static RouteSnapshot of(RouteTable table, Map<String, TrackStats> statsByTrack,
                            Map<String, AtomicInteger> inFlightByBackend) {
        Lane[] lanes = new Lane[table.tracks().size()];
        for (int i = 0; i < lanes.length; i++) {
            Track track = table.tracks().get(i);
            Target[] targets = track.backends().stream()
                    .map(backend -> new Target(backend, "http://" + backend, inFlightByBackend.get(backend)))
                    .toArray(Target[]::new);
            lanes[i] = new Lane(track, statsByTrack.get(track.name()), targets);
        }
        return new RouteSnapshot(table, true, lanes);
    }

    RouteTable table() {
        return table;
    }

    /** Whether the table came from a PUT or the state file, rather than being the initial empty one. */
    boolean accepted() {
        return accepted;
    }

    List<Lane> lanes() {
        return List.of(lanes);
    }

    /**
     * The track for a request: the forced track when it names one of ours, else a weighted draw.
     *
     * @param forced a track name from a request header, or null
     * @param basisPoint a uniform draw from 0 (inclusive) to 10,000 (exclusive)
     * @return the lane, or null when the table has no tracks
     */
    Lane choose(String forced, int basisPoint) {
        if (forced != null) {
            Lane lane = byName.get(forced);
            if (lane != null) {
                return lane;
            }
        }
        for (int i = 0; i < lanes.length; i++) {
            if (basisPoint < upperBounds[i]) {
                return lanes[i];
            }
        }
        return null;
    }

    /** One track as routed: its backends in round-robin order and the stats its requests are recorded in. */
    static final class Lane {
        private final Track track;
        private final TrackStats stats;
        private final Target[] targets;
        private final AtomicInteger cursor = new AtomicInteger();

        Lane(Track track, TrackStats stats, Target[] targets) {
            this.track = track;
            this.stats = stats;
            this.targets = targets;
        }

        Track track() {
            return track;
        }

        TrackStats stats() {
            return stats;
        }

        /** How many backends the track has. */
        int size() {
            return targets.length;
        }

        /** The next backend in turn, or null when the track has none. */
        Target nextTarget() {
            if (targets.length == 0) {
                return null;
            }
            return targets[Math.floorMod(cursor.getAndIncrement(), targets.length)];
        }
    }

    /** One backend: its address, the URI prefix requests go to, and its in-flight counter. */
    record Target(String backend, String origin, AtomicInteger inFlight) {
    }
}
