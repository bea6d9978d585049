package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Helm release's rollback through a real (in-process) control plane against the mock API server: refused before
 * any Helm record is written once the serving release applied a contract migration the target does not know.
 */
class KubernetesHelmSchemaRollbackTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    @Test
    void rollbackPastAContractMigrationIsRefusedAndHelmHistoryIsUntouched() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("shop");
        for (String v : List.of("v1", "v2")) {
            Files.createDirectories(dir.resolve("releases/" + v));
            Files.writeString(dir.resolve("releases/" + v + "/V1__create_orders.sql"),
                    "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        }
        Files.writeString(dir.resolve("releases/v2/V2__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), """
                database:
                  url: '%s'
                  migrations: 'releases/${version}'
                """.formatted(url));
        kube.deploy("v1");
        kube.deploy("v2");
        Flyway.configure().dataSource(url, "", "").locations("filesystem:" + dir.resolve("releases/v2")).load()
                .migrate();
        int revisions = cp.kubernetes().history("web").size();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "bob"))
                .hasMessageStartingWith("rollback of web to revision 1 (v1) refused, nothing was changed: release v1"
                        + " knows schema version 1 but the database holds contract migration(s) newer than that:"
                        + " version 2 'contract drop legacy status'");

        assertThat(cp.kubernetes().history("web")).hasSize(revisions);
        assertThat(cp.store().events("web", 0, null, 1000)).extracting(e -> e.kind())
                .contains(EventKinds.ROLLBACK_SCHEMA_REFUSED).doesNotContain(EventKinds.ROLLBACK_STARTED);
    }
}
