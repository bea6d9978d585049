package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.MockCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code deployguard backup namespace create|restore} against fabric8's mock API server. */
class NamespaceBackupIT {
    @TempDir
    Path dir;
    MockCluster cluster;
    Harness h;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNamespaceBacksUpAndRestoresIntoAnotherAfterADryRun() throws Exception {
        cluster = MockCluster.start();
        var c = cluster.client();
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        c.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("cfg")
                .endMetadata().addToData("k", "v").build()).create();
        h = new Harness(dir, "", 1);
        String kubeconfig = cluster.kubeconfig().toString();
        Path file = dir.resolve("shop.tar.gz");

        assertThat(h.ok("backup", "namespace", "create", "shop", "-f", file.toString(), "--kubeconfig", kubeconfig)
                .out()).contains("backed up 2 objects of namespace shop").contains("COMPLETED: ")
                .contains("restored into scratch namespace shop-verify-");
        assertThat(h.ok("backup", "namespace", "verify", file.toString(), "--kubeconfig", kubeconfig).out())
                .contains("compared: equal");
        assertThat(Files.size(file)).isPositive();

        Harness.Run dry = h.ok("backup", "namespace", "restore", file.toString(), "--to", "shop-copy", "--dry-run",
                "--kubeconfig", kubeconfig);
        assertThat(dry.out()).contains("dry run: would create 2, overwrite 0, skip 0 in namespace shop-copy");
        assertThat(c.configMaps().inNamespace("shop-copy").withName("cfg").get()).isNull();

        assertThat(h.ok("backup", "namespace", "restore", file.toString(), "--to", "shop-copy", "--kubeconfig",
                kubeconfig).out()).contains("created 2, overwrite 0, skip 0 in namespace shop-copy");
        assertThat(c.configMaps().inNamespace("shop-copy").withName("cfg").get().getData()).containsEntry("k", "v");

        Harness.Run bad = h.cli("backup", "namespace", "restore", file.toString(), "--existing-resource-policy",
                "merge", "--kubeconfig", kubeconfig);
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("expected none or update");

        // Every backup, verify and restore is an event (no control plane runs: straight into the state's store);
        // the dry run and the refused call are not.
        try (var store = dev.deployguard.store.JdbcStore.embedded(h.stateDir)) {
            var backups = store.events(null, "backup", 0, null, 100);
            assertThat(backups).extracting(e -> e.kind()).containsExactly("backup.created", "backup.verified",
                    "backup.restored");
            assertThat(backups).allSatisfy(e -> assertThat(e.data()).containsEntry("target", "namespace")
                    .containsEntry("backup", "shop.tar.gz").containsEntry("status", "COMPLETED"));
            assertThat(backups.get(0).message()).startsWith("namespace backup shop.tar.gz completed and verified of"
                    + " shop: 2 objects; scratch restore of 1 objects equal");
            assertThat(backups.get(2).message()).isEqualTo("namespace backup shop.tar.gz restored into shop-copy:"
                    + " created 2, overwrote 0, skipped 0");
        }
    }
}
