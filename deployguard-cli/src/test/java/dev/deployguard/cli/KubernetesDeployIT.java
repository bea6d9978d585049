package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same CLI commands on an app whose spec says {@code platform.kubernetes}: a real control plane process talks to
 * the mock API server (its kubeconfig), the simulated Deployment controller plays the cluster, and kubectl agrees
 * with what {@code deployguard history} shows.
 */
class KubernetesDeployIT {
    @TempDir
    Path dir;
    private Harness h;
    private MockCluster cluster;
    private ClusterSimulator simulator;
    private AutoCloseable controller;

    @BeforeEach
    void start() throws Exception {
        cluster = MockCluster.start();
        simulator = new ClusterSimulator(cluster.client());
        var client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        // A Ready node: deploy runs the pre-deployment checklist, and cluster.health wants one.
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("node-a")
                .endMetadata().withNewStatus().withConditions(new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
                        .withType("Ready").withStatus("True").build())
                .withAllocatable(java.util.Map.of("memory", new io.fabric8.kubernetes.api.model.Quantity("8Gi")))
                .endStatus().build()).create();
        client.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace("shop")
                .addToAnnotations("kubernetes.io/change-cause", "initial").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example/shop/web:1.0")
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
        simulator.settle(10);
        controller = simulator.runInBackground(50);
        h = new Harness(dir, "", 1);
        Files.writeString(h.spec, """
                apps:
                  web:
                    platform:
                      kubernetes:
                        namespace: shop
                        kubeconfig: %s
                        rolloutTimeout: 20s
                    checks: {timeout: 30s}   # the pre-deployment checklist, on a loaded test machine
                """.formatted(cluster.kubeconfig()));
        h.startServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (h != null) {
            h.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void deployHistoryRollbackAndStatusWorkOnADeployment() {
        h.ok("deploy", "web", "--version", "1.1", "--change-cause", "faster checkout");
        assertThat(image()).isEqualTo("registry.example/shop/web:1.1");

        h.ok("rollback", "web", "--change-cause", "checkout errors");
        assertThat(image()).isEqualTo("registry.example/shop/web:1.0");
        assertThat(rows()).containsExactly("2 1.1 SUPERSEDED faster checkout",
                "3 1.0 DEPLOYED rollback to revision 1 (initial): checkout errors");

        h.ok("rollback", "web", "--to-revision", "2");
        assertThat(image()).isEqualTo("registry.example/shop/web:1.1");
        assertThat(rows()).containsExactly("3 1.0 SUPERSEDED rollback to revision 1 (initial): checkout errors",
                "4 1.1 DEPLOYED rollback to revision 2 (faster checkout)");
        if (Tools.available()) {
            String kubectl = Tools.kubectl(cluster, "-n", "shop", "rollout", "history", "deployment/web").orFail()
                    .stdout();
            assertThat(kubectl).containsPattern("3\\s+rollback to revision 1 \\(initial\\): checkout errors")
                    .containsPattern("4\\s+rollback to revision 2 \\(faster checkout\\)");
        }

        JsonNode status = h.ok("status", "web", "-o", "json").json();
        assertThat(status.path("serving").path("revision").asInt()).isEqualTo(4);
        assertThat(status.path("kubernetes").path("rollout").asText()).isEqualTo("COMPLETE");
        assertThat(status.path("kubernetes").path("message").asText())
                .isEqualTo("deployment \"web\" successfully rolled out");

        assertThat(h.ok("status", "-o", "json").json().path("apps").get(0).path("kubernetes").path("deployment")
                .asText()).isEqualTo("web");
        assertThat(h.ok("status", "web").out()).contains("revision 4 (1.1) DEPLOYED")
                .contains("kubernetes: deployment shop/web, 2/2 available: deployment \"web\" successfully rolled out");

        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "kubernetes.rollout-status", "deploy.succeeded",
                "rollback.started", "rollback.succeeded", "rollback.started", "rollback.succeeded");
    }

    @Test
    void aFailedAtomicDeployPutsThePreviousRevisionBack() {
        simulator.failImage("registry.example/shop/web:2.0-broken");

        Harness.Run r = h.cli("deploy", "web", "--version", "2.0-broken", "--atomic");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err() + r.out()).contains("exceeded its progress deadline")
                .contains("--atomic rolled deployment shop/web back to revision 1, which is serving again");
        assertThat(image()).isEqualTo("registry.example/shop/web:1.0");
        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "deploy.failed", "deploy.atomic-rollback");
    }

    @Test
    void aMissingDeploymentIsNamedAndChangesNothing() throws Exception {
        Files.writeString(h.spec, Files.readString(h.spec).replace("rolloutTimeout: 20s",
                "rolloutTimeout: 20s\n        deployment: api"));
        Harness.Run r = h.cli("rollback", "web");
        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).contains("deployment \"api\" not found in namespace \"shop\"");
        assertThat(image()).isEqualTo("registry.example/shop/web:1.0");
    }

    private String image() {
        return cluster.client().apps().deployments().inNamespace("shop").withName("web").get().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getImage();
    }

    /** The last rows of {@code deployguard history web}: revision, version, status, change-cause. */
    private List<String> rows() {
        List<String> out = new ArrayList<>();
        for (JsonNode rel : h.ok("history", "web", "-o", "json").json().path("releases")) {
            out.add(rel.path("revision").asInt() + " " + rel.path("version").asText() + " "
                    + rel.path("status").asText() + " " + rel.path("changeCause").asText());
        }
        return out.subList(Math.max(0, out.size() - 2), out.size());
    }
}
