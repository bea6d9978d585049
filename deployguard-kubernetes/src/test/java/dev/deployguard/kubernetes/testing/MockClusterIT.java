package dev.deployguard.kubernetes.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mock cluster is credible to the real binaries: kubectl and helm work against it, and the simulator's objects read right. */
class MockClusterIT {
    private MockCluster cluster;
    private ClusterSimulator simulator;

    @BeforeEach
    void start() {
        Tools.require("kubectl and helm against the mock cluster");
        cluster = MockCluster.start();
        simulator = new ClusterSimulator(cluster.client());
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kubectlAppliesAnnotatesAndRemovesAnnotationsWithRealMergeSemantics(@TempDir Path dir) throws Exception {
        Path cm = dir.resolve("cm.yaml");
        Files.writeString(cm, """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings, namespace: shop}
                data: {color: blue}
                """);
        Tools.kubectl(cluster, "apply", "-f", cm.toString()).orFail();
        Tools.kubectl(cluster, "annotate", "-n", "shop", "configmap/settings", "a=1", "b=2").orFail();
        Tools.kubectl(cluster, "annotate", "-n", "shop", "configmap/settings", "a-").orFail();

        var stored = cluster.client().configMaps().inNamespace("shop").withName("settings").get();
        assertThat(stored.getMetadata().getAnnotations()).containsEntry("b", "2").doesNotContainKey("a");
        assertThat(stored.getData()).containsEntry("color", "blue");
    }

    @Test
    void rolloutHistoryOfSimulatedRevisionsAndSetImageMakeANewRevision() {
        cluster.client().apps().deployments().inNamespace("shop").resource(deployment("nginx:1.25", "first"))
                .create();
        simulator.settle(10);
        Tools.kubectl(cluster, "-n", "shop", "set", "image", "deployment/web", "web=nginx:1.26").orFail();
        Tools.kubectl(cluster, "-n", "shop", "annotate", "--overwrite", "deployment/web",
                "kubernetes.io/change-cause=second").orFail();
        simulator.settle(10);

        String history = Tools.kubectl(cluster, "-n", "shop", "rollout", "history", "deployment/web").orFail().stdout();
        assertThat(history).containsPattern("1\\s+first").containsPattern("2\\s+second");
        var d = cluster.client().apps().deployments().inNamespace("shop").withName("web").get();
        assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
        assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    }

    @Test
    void serverSideDryRunChangesNothingAndCreateOfAnExistingObjectSaysAlreadyExists(@TempDir Path dir)
            throws Exception {
        cluster.client().apps().deployments().inNamespace("shop").resource(deployment("nginx:1.25", "first"))
                .create();
        simulator.settle(10);
        Tools.kubectl(cluster, "-n", "shop", "set", "image", "deployment/web", "web=nginx:1.26").orFail();
        simulator.settle(10);
        String rv = cluster.client().apps().deployments().inNamespace("shop").withName("web").get().getMetadata()
                .getResourceVersion();

        Tools.kubectl(cluster, "-n", "shop", "rollout", "undo", "deployment/web", "--dry-run=server").orFail();

        var after = cluster.client().apps().deployments().inNamespace("shop").withName("web").get();
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(rv);
        assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:1.26");
        Path cm = dir.resolve("cm.yaml");
        Files.writeString(cm, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n");
        Tools.kubectl(cluster, "create", "-f", cm.toString()).orFail();
        assertThat(Tools.kubectl(cluster, "create", "-f", cm.toString(), "--dry-run=server").stderr())
                .contains("AlreadyExists");
    }

    @Test
    void helmInstallsAndReadsItsReleaseSecrets(@TempDir Path dir) throws Exception {
        Path chart = dir.resolve("tiny");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\n");
        Files.writeString(chart.resolve("values.yaml"), "color: blue\n");
        Files.writeString(chart.resolve("templates/cm.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: {{ .Release.Name }}-config}
                data: {color: {{ .Values.color }}}
                """);
        Tools.helm(cluster, "install", "rel1", chart.toString(), "-n", "shop").orFail();
        Tools.helm(cluster, "upgrade", "rel1", chart.toString(), "-n", "shop", "--set", "color=green").orFail();

        String history = Tools.helm(cluster, "history", "rel1", "-n", "shop", "-o", "json").orFail().stdout();
        assertThat(history).contains("\"revision\":1").contains("\"revision\":2").contains("superseded")
                .contains("deployed");
        assertThat(cluster.client().configMaps().inNamespace("shop").withName("rel1-config").get().getData())
                .containsEntry("color", "green");
    }

    private static Deployment deployment(String image, String cause) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("shop")
                .addToAnnotations("kubernetes.io/change-cause", cause).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build();
    }
}
