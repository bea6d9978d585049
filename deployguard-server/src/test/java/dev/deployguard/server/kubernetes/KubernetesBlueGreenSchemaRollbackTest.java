package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blue/green rollback on the slots passes the same schema gate as every other rollback path: refused before the
 * Service's selector or any slot moves once the serving release applied a contract migration the target does not
 * know; allowed over an expand-only gap.
 */
class KubernetesBlueGreenSchemaRollbackTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String SLOT = "deployguard.dev/slot";

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(T0);
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();

    String url() {
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    ControlPlane start(String v2Migration) throws Exception {
        for (String v : List.of("v1", "v2")) {
            Files.createDirectories(dir.resolve("releases/" + v));
            Files.writeString(dir.resolve("releases/" + v + "/V1__create_orders.sql"),
                    "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        }
        Files.writeString(dir.resolve("releases/v2/" + v2Migration.substring(0, v2Migration.indexOf(':'))),
                v2Migration.substring(v2Migration.indexOf(':') + 1));
        cluster.blueGreenApp();
        ControlPlane cp = kube.startControlPlane(dir, ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen("1h")
                + "database:\n  url: '" + url() + "'\n  migrations: 'releases/${version}'\n");
        kube.deploy("v2");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        kube.await("the scale-down delay to end the rollout", () -> cp.store().activeRollout("web").isEmpty());
        // Release v2 migrates the database as it starts (real Flyway, real history).
        Flyway.configure().dataSource(url(), "", "").locations("filesystem:" + dir.resolve("releases/v2")).load()
                .migrate();
        return cp;
    }

    @Test
    void aSlotRollbackPastAContractMigrationIsRefusedBeforeTheSelectorMoves() throws Exception {
        ControlPlane cp = start("V2__contract_drop_legacy_status.sql:ALTER TABLE orders DROP COLUMN legacy_status;");
        cluster.clearCalls();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "carol"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILURE))
                .hasMessageStartingWith("rollback of web to revision 1 (v1) refused, nothing was changed: release v1"
                        + " knows schema version 1 but the database holds contract migration(s) newer than that:"
                        + " version 2 'contract drop legacy status'");

        assertThat(cluster.writes()).isEmpty();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cp.store().events("web", 0, null, 1000)).extracting(Event::kind)
                .contains(EventKinds.ROLLBACK_SCHEMA_REFUSED).doesNotContain(EventKinds.ROLLBACK_STARTED);
    }

    @Test
    void anExpandOnlyGapRollsBackOnTheSlotsAndSaysSo() throws Exception {
        ControlPlane cp = start("V2__expand_add_status.sql:ALTER TABLE orders ADD COLUMN status VARCHAR(20);");

        var back = cp.kubernetes().rollback("web", null, null, "carol");
        kube.await("the slot rolled back to serves", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(back.message()).contains("a copy of revision 1").contains("schema: the database holds 1"
                + " migration(s) newer than release v1 knows (1), all expand, so it keeps working");
    }
}
