package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expand/contract flow for a Helm release (same database section as a local app): each deploy runs the release's
 * expand migrations with real Flyway before the chart is installed, holds the contract one, and {@code migrate
 * --contract} runs it later.
 */
class KubernetesHelmMigrationFlowTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    String url() {
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    List<String> applied() throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = DriverManager.getConnection(url(), "", ""); var s = c.createStatement();
             var rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\""
                     + " AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void expandBeforeTheChartContractHeldThenRunOnPurpose() throws Exception {
        String v1 = "-- deployguard:expand\nCREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n";
        for (String v : List.of("v1", "v2")) {
            Files.createDirectories(dir.resolve("releases/" + v));
            Files.writeString(dir.resolve("releases/" + v + "/V1__create_orders.sql"), v1);
        }
        Files.writeString(dir.resolve("releases/v2/V2__expand_add_status.sql"),
                "ALTER TABLE orders ADD COLUMN status VARCHAR(20);\n");
        Files.writeString(dir.resolve("releases/v2/V3__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), """
                database:
                  url: '%s'
                  migrations: 'releases/${version}'
                  migrate: expand
                """.formatted(url()));

        kube.deploy("v1");
        assertThat(applied()).containsExactly("1");
        kube.deploy("v2");
        assertThat(applied()).containsExactly("1", "2");
        assertThat(cp.store().events("web", 0, null, 1000)).extracting(Event::kind)
                .contains(EventKinds.MIGRATION_RAN, EventKinds.MIGRATION_HELD);

        String out = cp.deployer().migrate("web", "v2", true, "bob");

        assertThat(out).startsWith("migrated web (contract phase of release v2): 1 migration(s) applied: V3 'contract"
                + " drop legacy status' (contract)");
        assertThat(applied()).containsExactly("1", "2", "3");
    }
}
