package dev.deployguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingRouterTest {
    private final RecordingRouter router = new RecordingRouter();

    private static RouteTable canary(String app, long generation, int canaryBasisPoints) {
        return new RouteTable(app, generation, List.of(
                new Track("stable", 1, Track.FULL - canaryBasisPoints, List.of("127.0.0.1:1")),
                new Track("canary", 2, canaryBasisPoints, List.of("127.0.0.1:2"))));
    }

    @Test
    void keepsEveryTableInOrderPerAppAndServesTheLast() {
        router.apply(canary("web", 1, 0));
        router.apply(canary("api", 1, 500));
        router.apply(canary("web", 2, 2000));
        router.apply(RouteTable.single("web", 3, 2, List.of("127.0.0.1:2")));

        assertThat(router.weights("web", "canary")).containsExactly(0, 2000, 0);
        assertThat(router.weights("web", "stable")).containsExactly(10_000, 8000, 10_000);
        assertThat(router.current("web")).get().extracting(RouteTable::generation).isEqualTo(3L);
        assertThat(router.tables("api")).hasSize(1);
        assertThat(router.current("shop")).isEmpty();
    }

    @Test
    void reportsTheInFlightRequestsItWasGivenAndFailsLikeAnUnreachableRouterWhenDown() {
        router.setInFlight("web", "127.0.0.1:1", 3);
        assertThat(router.inFlight("web", "127.0.0.1:1")).isEqualTo(3);
        assertThat(router.inFlight("web", "127.0.0.1:2")).isZero();

        router.setDown("web", true);
        assertThatThrownBy(() -> router.apply(canary("web", 1, 100)))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE));
        assertThatThrownBy(() -> router.inFlight("web", "127.0.0.1:1")).isInstanceOf(DeployGuardException.class);
        assertThat(router.current("web")).isEmpty();
        assertThat(router.tables("web")).isEmpty();

        router.setDown("web", false);
        router.apply(canary("web", 1, 100));
        assertThat(router.weights("web", "canary")).containsExactly(100);
    }
}
