package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteSnapshotTest {
    private final TrafficStats stats = new TrafficStats(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));

    private RouteSnapshot snapshotOf(RouteTable table) {
        return RouteSnapshot.of(table, stats.beginGeneration(table), stats.inFlightCounters());
    }

    @Test
    void weightedDrawFollowsBasisPointBoundaries() {
        RouteSnapshot snapshot = snapshotOf(new RouteTable("web", 1, List.of(
                new Track("stable", 1, 9_000, List.of("127.0.0.1:1001")),
                new Track("canary", 2, 1_000, List.of("127.0.0.1:1002")))));

        assertThat(snapshot.choose(null, 0).track().name()).isEqualTo("stable");
        assertThat(snapshot.choose(null, 8_999).track().name()).isEqualTo("stable");
        assertThat(snapshot.choose(null, 9_000).track().name()).isEqualTo("canary");
        assertThat(snapshot.choose(null, 9_999).track().name()).isEqualTo("canary");
    }

    @Test
    void aSingleBasisPointIsHonoured() {
        RouteSnapshot snapshot = snapshotOf(new RouteTable("web", 1, List.of(
                new Track("stable", 1, 9_999, List.of("127.0.0.1:1001")),
                new Track("canary", 2, 1, List.of("127.0.0.1:1002")))));

        long canary = 0;
        for (int bp = 0; bp < Track.FULL; bp++) {
            if (snapshot.choose(null, bp).track().name().equals("canary")) {
                canary++;
            }
        }
        assertThat(canary).isEqualTo(1);
    }

    @Test
    void zeroWeightTrackGetsNoDrawButCanBeForced() {
        RouteSnapshot snapshot = snapshotOf(new RouteTable("web", 1, List.of(
                new Track("stable", 1, Track.FULL, List.of("127.0.0.1:1001")),
                new Track("canary", 2, 0, List.of("127.0.0.1:1002")))));

        for (int bp = 0; bp < Track.FULL; bp += 97) {
            assertThat(snapshot.choose(null, bp).track().name()).isEqualTo("stable");
        }
        assertThat(snapshot.choose("canary", 0).track().name()).isEqualTo("canary");
        assertThat(snapshot.choose("no-such-track", 0).track().name()).isEqualTo("stable");
    }

    @Test
    void backendsOfATrackTakeTurns() {
        RouteSnapshot snapshot = snapshotOf(RouteTable.single("web", 1, 1,
                List.of("127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003")));

        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.add(snapshot.choose(null, 0).nextTarget().backend());
        }
        assertThat(picked).containsExactly("127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003",
                "127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003");
    }

    @Test
    void noTracksMeansNoLaneAndNoBackendsMeansNoTarget() {
        assertThat(RouteSnapshot.empty("web").choose(null, 0)).isNull();
        assertThat(RouteSnapshot.empty("web").choose("canary", 0)).isNull();

        RouteSnapshot noBackends = snapshotOf(RouteTable.single("web", 1, 1, List.of()));
        assertThat(noBackends.choose(null, 0).nextTarget()).isNull();
    }
}
