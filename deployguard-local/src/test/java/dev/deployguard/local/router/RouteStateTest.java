package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteStateTest {
    @TempDir
    Path dir;

    private RouteStateFile file() {
        return new RouteStateFile(dir.resolve("state").resolve("routes.json"));
    }

    private RouteState state(RouteStateFile file) {
        return new RouteState("web", file, new TrafficStats(Clock.systemUTC()));
    }

    private static RouteTable table(long generation, int canaryWeight) {
        return new RouteTable("web", generation, List.of(
                new Track("stable", 1, Track.FULL - canaryWeight, List.of("127.0.0.1:1001")),
                new Track("canary", 2, canaryWeight, List.of("127.0.0.1:1002"))));
    }

    @Test
    void anAcceptedTableIsServedAndSaved() throws Exception {
        RouteStateFile file = file();
        RouteState state = state(file);

        assertThat(state.apply(table(1, 500))).isTrue();

        assertThat(state.snapshot().table()).isEqualTo(table(1, 500));
        assertThat(file.load()).contains(table(1, 500));
        try (var listing = Files.list(file.path().getParent())) {
            assertThat(listing).containsExactly(file.path());
        }
    }

    @Test
    void anOlderGenerationIsRefusedAndChangesNothing() throws Exception {
        RouteState state = state(file());
        state.apply(table(5, 500));

        assertThatThrownBy(() -> state.apply(table(4, 9_000)))
                .isInstanceOf(RouteState.StaleTableException.class)
                .hasMessageContaining("generation 4 is older than the router's generation 5");
        assertThat(state.snapshot().table()).isEqualTo(table(5, 500));
    }

    @Test
    void theSameTableAgainIsANoOpButTheSameGenerationWithOtherContentIsRefused() throws Exception {
        RouteState state = state(file());
        state.apply(table(5, 500));

        assertThat(state.apply(table(5, 500))).isFalse();
        assertThatThrownBy(() -> state.apply(table(5, 1_000)))
                .isInstanceOf(RouteState.StaleTableException.class)
                .hasMessageContaining("already in force");
    }

    @Test
    void aFreshRouterAcceptsGenerationZero() throws Exception {
        RouteState state = state(file());

        assertThat(state.apply(table(0, 0))).isTrue();
    }

    @Test
    void aTableForAnotherAppIsRefused() {
        RouteState state = state(file());

        assertThatThrownBy(() -> state.apply(RouteTable.single("shop", 1, 1, List.of("127.0.0.1:1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("for app shop but this router serves app web");
    }

    @Test
    void malformedTracksAreRefused() {
        RouteState state = state(file());

        assertThatThrownBy(() -> state.apply(RouteTable.single("web", 1, 1, List.of("localhost"))))
                .hasMessageContaining("backend 'localhost'");
        assertThatThrownBy(() -> state.apply(new RouteTable("web", 1, List.of(
                new Track("a", 1, 5_000, List.of()), new Track("a", 2, 5_000, List.of())))))
                .hasMessageContaining("track a appears twice");
    }

    @Test
    void aRestoredTableIsServedAsItWas() throws Exception {
        RouteStateFile file = file();
        state(file).apply(table(7, 2_500));

        RouteState restarted = state(file);
        restarted.restore(file.load().orElseThrow());

        assertThat(restarted.snapshot().table()).isEqualTo(table(7, 2_500));
        assertThatThrownBy(() -> restarted.apply(table(6, 0))).isInstanceOf(RouteState.StaleTableException.class);
    }

    @Test
    void aCorruptStateFileIsReportedWithItsPath() throws Exception {
        RouteStateFile file = file();
        Files.createDirectories(file.path().getParent());
        Files.writeString(file.path(), "{\"app\":\"web\",\"generation\":");

        assertThatThrownBy(file::load)
                .hasMessageContaining(file.path().toString())
                .hasMessageContaining("does not hold a valid route table");
    }
}
