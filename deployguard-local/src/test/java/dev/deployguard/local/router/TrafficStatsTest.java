package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficStatsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Track STABLE = new Track("stable", 1, 9_000, List.of("127.0.0.1:1001"));
    private static final Track CANARY = new Track("canary", 2, 1_000, List.of("127.0.0.1:1002"));

    private final TrafficStats stats = new TrafficStats(Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC));

    private RouteSnapshot snapshot(long generation, Track... tracks) {
        RouteTable table = new RouteTable("web", generation, List.of(tracks));
        return RouteSnapshot.of(table, stats.beginGeneration(table), stats.inFlightCounters());
    }

    @Test
    void aTrackDroppedFromTheTableIsReportedAsRetiredUntilItsWindowsAgeOut() {
        RouteSnapshot split = snapshot(1, STABLE, CANARY);
        Map<String, TrackStats> byName = Map.of("stable", split.lanes().get(0).stats(), "canary", split.lanes().get(1).stats());
        byName.get("canary").record(500, false, 1_000);
        byName.get("canary").record(200, false, 1_000);
        byName.get("stable").record(200, false, 1_000);
        stats.roll(T0 + 1_000);
        stats.roll(T0 + 2_000);

        // The rollback: a table without the canary.
        RouteSnapshot back = snapshot(2, new Track("stable", 1, Track.FULL, STABLE.backends()));
        RouterMetrics m = stats.metrics(back, Long.MIN_VALUE);
        assertThat(m.tracks()).extracting(TrackMetrics::track).containsExactly("stable");
        assertThat(m.track("canary")).as("analysis looks only at the table's tracks").isEmpty();
        assertThat(m.retired()).extracting(TrackMetrics::track, TrackMetrics::revision).containsExactly(tuple("canary", 2));
        assertThat(m.retired().get(0).windows()).extracting(Window::startEpochMs, Window::requests, Window::errors)
                .containsExactly(tuple(T0, 2L, 1L));

        stats.roll(T0 + 300_000);
        assertThat(stats.metrics(back, Long.MIN_VALUE).retired()).as("still within 300 s").hasSize(1);
        stats.roll(T0 + 301_000);
        assertThat(stats.metrics(back, Long.MIN_VALUE).retired()).as("older than 300 s").isEmpty();
    }

    @Test
    void aRetiredTrackThatReturnsKeepsItsWindowsAndIsNotReportedTwice() {
        RouteSnapshot split = snapshot(1, STABLE, CANARY);
        split.lanes().get(1).stats().record(200, false, 1_000);
        stats.roll(T0 + 1_000);
        stats.roll(T0 + 2_000);
        snapshot(2, new Track("stable", 1, Track.FULL, STABLE.backends()));

        RouteSnapshot again = snapshot(3, STABLE, CANARY);
        RouterMetrics m = stats.metrics(again, Long.MIN_VALUE);
        assertThat(m.retired()).isEmpty();
        assertThat(m.track("canary")).get().extracting(t -> t.windows().size()).isEqualTo(1);
    }
}
