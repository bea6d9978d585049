package dev.deployguard.server.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.Store;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes Deployment rollback path (here through a drill, against the fabric8 mock API server) refuses to put
 * back release 1.0 once release 2.0 has applied a contract migration: the drill fails at "roll back" with the
 * migration named, and the Deployment keeps serving 2.0.
 */
class KubernetesSchemaDrillTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private Store store;
    private final List<Event> seen = new CopyOnWriteArrayList<>();
    private DrillRunner drills;

    String url() {
        // The guard connects as the user Flyway wrote the history with; H2's default user is "" and has no password.
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("releases/1.0"));
        Files.createDirectories(dir.resolve("releases/2.0"));
        for (String v : List.of("1.0", "2.0")) {
            Files.writeString(dir.resolve("releases/" + v + "/V1__create_orders.sql"),
                    "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        }
        Files.writeString(dir.resolve("releases/2.0/V2__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
        Flyway.configure().dataSource(url(), "", "").locations("filesystem:" + dir.resolve("releases/1.0")).load()
                .migrate();
        cluster.app().registryDeployment(new EnvVar("LOG_LEVEL", "info", null));
        cluster.runController(50);
        Path spec = cluster.writeSpec(dir.resolve("deployguard.yaml"), """
                rolloutTimeout: 20s
                """, """
                database:
                  url: '%s'
                  migrations: 'releases/${version}'
                """.formatted(url()));
        Clock clock = Clock.systemUTC();
        store = JdbcStore.embedded(dir.resolve("state"));
        EventLog events = new EventLog(store, clock);
        events.addListener(seen::add);
        // Release 2.0 migrates the database when it starts, as apps running Flyway on boot do.
        events.addListener(e -> {
            if (e.kind().equals(EventKinds.DRILL_STEP) && "verify candidate".equals(e.data().get("step"))) {
                Flyway.configure().dataSource(url(), "", "").locations("filesystem:" + dir.resolve("releases/2.0"))
                        .load().migrate();
            }
        });
        SpecSource specs = new SpecSource(spec);
        drills = new DrillRunner(store, specs, null, null, null, events, clock,
                new KubernetesApps(store, specs, events, clock, "test-holder"));
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void theRollbackPastTheContractMigrationIsRefusedAndTheCandidateKeepsServing() {
        DrillReport report = drills.run(new DrillRequest("web", List.of("1.0", "2.0"), List.of(), null), "alice");

        assertThat(report.passed()).isFalse();
        assertThat(report.steps()).filteredOn(s -> s.name().equals("roll back")).singleElement().satisfies(s -> {
            assertThat(s.outcome()).isEqualTo(DrillReport.Outcome.FAIL);
            assertThat(s.detail()).contains("release 1.0 knows schema version 1 but the database holds contract"
                + " migration(s) newer than that: version 2 'contract drop legacy status'");
        });
        assertThat(cluster.image("web")).as("nothing moved").isEqualTo("registry.example/shop/web:2.0");
        assertThat(seen).extracting(Event::kind).contains(EventKinds.ROLLBACK_SCHEMA_REFUSED)
                .doesNotContain(EventKinds.ROLLBACK_STARTED);
    }
}
