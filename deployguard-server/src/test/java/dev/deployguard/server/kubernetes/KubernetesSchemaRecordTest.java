package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.release.ReleaseSchema;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes Deployment and Helm releases keep the schema record of their deploy (as local releases do), so a
 * rollback is judged from what the release shipped. The trap it closes: one migrations directory shared by every
 * release (no {@code ${version}} in {@code database.migrations}). v1 was deployed when it held V1 only; v2 added a
 * contract migration. Re-reading the directory for v1 at rollback time would say v1 knows V2 and let the rollback
 * through; the record says v1 knows schema version 1, and the rollback is refused before anything moves.
 */
class KubernetesSchemaRecordTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    private String database() throws Exception {
        Files.createDirectories(dir.resolve("db"));
        Files.writeString(dir.resolve("db/V1__create_orders.sql"),
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, legacy_status VARCHAR(20));\n");
        return "jdbc:h2:file:" + dir.resolve("shop");
    }

    private void shipContract() throws Exception {
        Files.writeString(dir.resolve("db/V2__contract_drop_legacy_status.sql"),
                "ALTER TABLE orders DROP COLUMN legacy_status;\n");
    }

    private static void migrate(String url, Path location) {
        Flyway.configure().dataSource(url, "", "").locations("filesystem:" + location).load().migrate();
    }

    @Test
    void aDeploymentRollbackIsJudgedFromTheRecordOfItsDeploy() throws Exception {
        String url = database();
        cluster.app().deployment();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "rolloutTimeout: 20s\n", """
                database:
                  url: '%s'
                  migrations: 'db'
                """.formatted(url));
        kube.deploy("v1");
        migrate(url, dir.resolve("db"));
        assertThat(cp.store().recordedSchema("web", "v1")).map(ReleaseSchema::knows).contains("1");
        shipContract();
        kube.deploy("v2");
        migrate(url, dir.resolve("db"));
        assertThat(cp.store().recordedSchema("web", "v2")).map(ReleaseSchema::knows).contains("2");
        int revisions = cp.kubernetes().history("web").size();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "bob"))
                .hasMessageContaining("refused, nothing was changed: release v1 knows schema version 1 but the"
                        + " database holds contract migration(s) newer than that: version 2 'contract drop legacy"
                        + " status'");

        assertThat(cluster.image("web")).endsWith(":v2");
        assertThat(cp.kubernetes().history("web")).hasSize(revisions);
        assertThat(kube.kinds()).contains(EventKinds.ROLLBACK_SCHEMA_REFUSED)
                .doesNotContain(EventKinds.ROLLBACK_STARTED);
    }

    @Test
    void aHelmRollbackIsJudgedFromTheRecordOfItsDeploy() throws Exception {
        String url = database();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), """
                database:
                  url: '%s'
                  migrations: 'db'
                """.formatted(url));
        kube.deploy("v1");
        migrate(url, dir.resolve("db"));
        shipContract();
        kube.deploy("v2");
        migrate(url, dir.resolve("db"));
        assertThat(cp.store().recordedSchema("web", "v1")).map(ReleaseSchema::knows).contains("1");
        int revisions = cp.kubernetes().history("web").size();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "bob"))
                .hasMessageStartingWith("rollback of web to revision 1 (v1) refused, nothing was changed: release v1"
                        + " knows schema version 1 but the database holds contract migration(s) newer than that:"
                        + " version 2 'contract drop legacy status'");

        assertThat(cp.kubernetes().history("web")).hasSize(revisions);
        assertThat(kube.kinds()).contains(EventKinds.ROLLBACK_SCHEMA_REFUSED)
                .doesNotContain(EventKinds.ROLLBACK_STARTED);
    }

    @Test
    void aDeployWhoseMigrationsAreMissingStopsBeforeAnythingIsRecordedOrChanged() throws Exception {
        cluster.app().deployment();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "rolloutTimeout: 20s\n", """
                database:
                  url: 'jdbc:h2:file:%s'
                  migrations: 'no-such-dir'
                """.formatted(dir.resolve("shop")));
        String before = cluster.image("web");

        assertThatThrownBy(() -> kube.deploy("v9")).hasMessageContaining("no-such-dir");

        assertThat(cluster.image("web")).isEqualTo(before);
        assertThat(cp.store().recordedSchema("web", "v9")).isEmpty();
    }
}
