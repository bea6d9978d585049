package dev.deployguard.traffic;

import dev.deployguard.analysis.TrackKind;
import java.util.List;

/** The whole routing state for one app; replaced atomically at the router, never edited in place. */
public record RouteTable(String app, long generation, List<Track> tracks) {
    public RouteTable {
        tracks = List.copyOf(tracks);
        int sum = tracks.stream().mapToInt(Track::weightBasisPoints).sum();
        if (!tracks.isEmpty() && sum != Track.FULL) {
            throw new IllegalArgumentException("track weights must add up to 10000 basis points, were " + sum);
        }
    }

    public static RouteTable single(String app, long generation, int revision, List<String> backends) {
        return new RouteTable(app, generation, List.of(new Track(TrackKind.STABLE.trackName(), revision, Track.FULL, backends)));
    }
}
