package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.traffic.Track;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard migrate APP [--contract]} through {@link Deployer#migrate}: contract migrations wait while a
 * rollout (its bake included) runs; expand ones may run; each run is an event, real Flyway on H2.
 */
class MigrationFlowTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    String url() {
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    Deployer deployer() throws Exception {
        Files.createDirectories(dir.resolve("releases/2.0"));
        Files.writeString(dir.resolve("releases/2.0/V1__expand_create_orders.sql"),
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        Files.writeString(dir.resolve("releases/2.0/V2__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
        plane = new LocalPlaneFixture(dir, """
                web:
                  platform:
                    local:
                      command: ["sleep", "600"]
                      env:
                        PORT_GIVEN: "${port}"
                      listen: "127.0.0.1:1"
                      instances: 1
                      readiness:
                        path: /ready
                  database:
                    url: '%s'
                    userEnv: SHOP_DB_USER
                    migrations: 'releases/${version}'
                    migrate: expand
                """.formatted(url()));
        LocalInstances instances = new LocalInstances(plane.store, plane.platform, plane.routers, plane.events,
                plane.appLocks, plane.clock);
        return new Deployer(plane.store, plane.specs, plane.platform, plane.routers, plane.events, plane.appLocks,
                plane.clock, "cp-test", instances, null, null, new SchemaGate(Map.of("SHOP_DB_USER", "sa"),
                plane.events));
    }

    List<String> applied() throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = DriverManager.getConnection(url(), "sa", ""); var s = c.createStatement();
             var rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\""
                     + " AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void contractWaitsWhileARolloutOrItsBakeRunsExpandDoesNot() throws Exception {
        Deployer d = deployer();
        var serving = plane.release("2.0", ReleaseStatus.DEPLOYED);
        plane.store.saveRollout(new Rollout(0, "web", RolloutKind.CANARY, serving.revision(), serving.revision() + 1,
                Rollout.Phase.BAKING, 0, Track.FULL, plane.clock.instant(), plane.clock.instant(), null, null,
                null), plane.clock.instant());

        assertThatThrownBy(() -> d.migrate("web", null, true, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(ExitCode.BUSY))
                .hasMessageStartingWith("contract migrations of web refused, nothing ran: the canary rollout of"
                        + " revision 2 has not ended (its bake included)");
        assertThat(plane.store.allEvents()).extracting(Event::kind).containsExactly(EventKinds.MIGRATION_REFUSED);

        String expand = d.migrate("web", null, false, "alice");

        assertThat(expand).startsWith("expand migrations of release 2.0 ran before traffic moved: V1 'expand create"
                + " orders' (expand)").contains("still held: V2 'contract drop legacy status' (contract)");
        assertThat(applied()).containsExactly("1");
        Event ran = plane.store.allEvents().get(1);
        assertThat(ran.kind()).isEqualTo(EventKinds.MIGRATION_RAN);
        assertThat(ran.actor()).isEqualTo("alice");
        assertThat(ran.data()).containsEntry("phase", "expand").containsEntry("applied", List.of("1"));
    }
}
