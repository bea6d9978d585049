package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.ReleaseStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local rollback path (CLI/API {@code rollback} and the local drill both call {@link Deployer#rollback}) refuses a
 * target release older than a contract migration in the database's real Flyway history, before anything moves.
 */
class SchemaGateRollbackTest {
    @TempDir
    Path dir;
    LocalPlaneFixture plane;

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    /** Releases 1.0 (V1), 2.0 (+V2 expand by marker), 3.0 (+V3 contract by name) under dir/releases/VERSION. */
    void releases() throws IOException {
        for (String v : List.of("1.0", "2.0", "3.0")) {
            Files.createDirectories(dir.resolve("releases/" + v));
            Files.writeString(dir.resolve("releases/" + v + "/V1__create_orders.sql"),
                    "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        }
        for (String v : List.of("2.0", "3.0")) {
            Files.writeString(dir.resolve("releases/" + v + "/V2__add_status.sql"),
                    "-- deployguard:expand\nALTER TABLE orders ADD COLUMN status VARCHAR(20);\n");
        }
        Files.writeString(dir.resolve("releases/3.0/V3__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
    }

    String url() {
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    void migrateTo(String version) {
        Flyway.configure().dataSource(url(), "sa", "").locations("filesystem:" + dir.resolve("releases/" + version))
                .load().migrate();
    }

    /** An app with a database section (its processes never start: refused rollbacks move nothing). */
    Deployer deployer(String databaseYaml) throws IOException {
        releases();
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
                %s
                """.formatted(databaseYaml.indent(4).stripTrailing()));
        LocalInstances instances = new LocalInstances(plane.store, plane.platform, plane.routers, plane.events,
                plane.appLocks, plane.clock);
        return new Deployer(plane.store, plane.specs, plane.platform, plane.routers, plane.events, plane.appLocks,
                plane.clock, "cp-test", instances, null, null, gate());
    }

    SchemaGate gate() {
        return new SchemaGate(Map.of("SHOP_DB_USER", "sa"), plane.events);
    }

    static String db(String url, String extra) {
        return "url: '" + url + "'\nuserEnv: SHOP_DB_USER\nmigrations: 'releases/${version}'\n" + extra;
    }

    List<String> kinds() {
        return plane.store.allEvents().stream().map(Event::kind).toList();
    }

    @Test
    void rollbackPastAContractMigrationIsRefusedBeforeAnythingMoves() throws IOException {
        Deployer d = deployer(db(url(), ""));
        plane.release("2.0", ReleaseStatus.SUPERSEDED);
        plane.release("3.0", ReleaseStatus.DEPLOYED);
        migrateTo("3.0");

        assertThatThrownBy(() -> d.rollback("web", null, null, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILURE))
                .hasMessageStartingWith("rollback of web to revision 1 (2.0) refused, nothing was changed: release"
                        + " 2.0 knows schema version 2 but the database holds contract migration(s) newer than that:"
                        + " version 3 'contract drop legacy status' (contract, V3__contract_drop_legacy_status.sql,"
                        + " installed by SA on ")
                .hasMessageContaining("roll forward").hasMessageContaining("restore the database");

        assertThat(plane.store.history("web")).hasSize(2);
        assertThat(plane.store.instances("web")).isEmpty();
        assertThat(kinds()).containsExactly(EventKinds.ROLLBACK_SCHEMA_REFUSED);
        assertThat(plane.store.allEvents().get(0).actor()).isEqualTo("alice");
    }

    @Test
    void forceSchemaGoesThroughAndIsRecordedWithTheActor() throws IOException {
        deployer(db(url(), ""));
        plane.release("2.0", ReleaseStatus.SUPERSEDED);
        plane.release("3.0", ReleaseStatus.DEPLOYED);
        migrateTo("3.0");

        var h = plane.store.history("web");

        var line = gate().beforeRollback(plane.specs.app("web"), h.get(0), h.get(1), true, "alice");

        assertThat(line).hasValueSatisfying(l -> assertThat(l).startsWith("--force-schema by alice: rolling back to"
                + " revision 1 (2.0) although release 2.0 knows schema version 2 but the database holds contract"
                + " migration(s)"));
        Event forced = plane.store.allEvents().get(0);
        assertThat(forced.kind()).isEqualTo(EventKinds.ROLLBACK_SCHEMA_FORCED);
        assertThat(forced.actor()).isEqualTo("alice");
        assertThat(forced.data()).containsEntry("contract", List.of("3"));
    }

    @Test
    void expandOnlyGapIsAllowedAndSaidSo() throws IOException {
        deployer(db(url(), ""));
        plane.release("1.0", ReleaseStatus.SUPERSEDED);
        plane.release("2.0", ReleaseStatus.DEPLOYED);
        migrateTo("2.0");

        var h = plane.store.history("web");

        var line = gate().beforeRollback(plane.specs.app("web"), h.get(0), h.get(1), false, "bob");

        assertThat(line).hasValueSatisfying(l -> assertThat(l).startsWith("schema: the database holds 1 migration(s)"
                + " newer than release 1.0 knows (1), all expand, so it keeps working: version 2 'add status'"));
        assertThat(kinds()).containsExactly(EventKinds.ROLLBACK_SCHEMA_CHECKED);
    }

    @Test
    void unreachableDatabaseCannotTellAndRefuses() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Deployer d = deployer(db("jdbc:postgresql://127.0.0.1:" + port + "/shop", ""));
        plane.release("2.0", ReleaseStatus.SUPERSEDED);
        plane.release("3.0", ReleaseStatus.DEPLOYED);

        assertThatThrownBy(() -> d.rollback("web", null, null, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE))
                .hasMessageStartingWith("rollback of web to revision 1 (2.0) refused, nothing was changed: cannot"
                        + " tell whether the schema is compatible: reading the Flyway history");
        assertThat(plane.store.history("web")).hasSize(2);
        assertThat(kinds()).containsExactly(EventKinds.ROLLBACK_SCHEMA_REFUSED);
    }

    @Test
    void unsetPasswordVariableCannotTellNamingIt() throws IOException {
        Deployer d = deployer(db(url(), "passwordEnv: DG_SCHEMA_TEST_UNSET_PASSWORD\n"));
        plane.release("2.0", ReleaseStatus.SUPERSEDED);
        plane.release("3.0", ReleaseStatus.DEPLOYED);
        migrateTo("3.0");

        assertThatThrownBy(() -> d.rollback("web", null, null, "alice"))
                .hasMessageContaining("cannot tell whether the schema is compatible: environment variable"
                        + " DG_SCHEMA_TEST_UNSET_PASSWORD is not set");
        assertThat(plane.store.history("web")).hasSize(2);
    }
}
