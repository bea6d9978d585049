package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.progressive.AppObjects;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Kubernetes app through the real CLI and a real control plane process: the weight reaches the
 * canary Ingress, the rollout survives a kill -9 of the control plane, {@code promote} rolls the new template out
 * in the stable Deployment, {@code abort} takes the weight away at once.
 */
class KubernetesCanaryIT {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    @TempDir
    Path dir;
    private Harness h;
    private MockCluster cluster;
    private AppObjects app;
    private AutoCloseable controller;

    @BeforeEach
    void start() throws Exception {
        cluster = MockCluster.start();
        var client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        app = new AppObjects(client);
        app.deployment();
        app.service();
        app.ingress();
        ClusterSimulator simulator = new ClusterSimulator(client);
        simulator.settle(10);
        controller = simulator.runInBackground(20);
        h = new Harness(dir, "", 1);
        Files.writeString(h.spec, """
                apps:
                  web:
                    platform:
                      kubernetes:
                        namespace: shop
                        kubeconfig: %s
                        service: web
                        traffic: {ingressNginx: {ingress: web}}
                        rolloutTimeout: 20s
                    strategy:
                      canary:
                        steps:
                          - setWeight: 20
                          - pause: {}
                        bake: 0s
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
    void deployPromoteAndAbortThroughTheCli() throws Exception {
        assertThat(h.ok("deploy", "web", "--version", "v2", "--skip-checks").out()).contains("canary weight 20");
        assertThat(canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        JsonNode rollout = h.ok("status", "web", "-o", "json").json().path("rollout");
        assertThat(rollout.path("phase").asText()).isEqualTo("PAUSED");
        assertThat(rollout.path("weight").asInt()).isEqualTo(2000);

        h.killServer();
        h.startServer();
        h.ok("promote", "web");
        Harness.await(Duration.ofSeconds(30), () -> canaryIngress() == null);

        assertThat(stableImage()).isEqualTo("shop/web:v2");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("SUCCEEDED");

        h.ok("deploy", "web", "--version", "v3", "--skip-checks");
        assertThat(canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        h.ok("abort", "web");
        assertThat(canaryIngress()).isNull();
        assertThat(stableImage()).isEqualTo("shop/web:v2");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("ROLLED_BACK");
    }

    @Test
    void anAnalysisStepWithNoSourceExitsTwo() throws Exception {
        Files.writeString(h.spec, Files.readString(h.spec).replace("- pause: {}", "- analysis: {}"));
        Harness.Run r = h.cli("deploy", "web", "--version", "v2", "--skip-checks");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("analysis step", "strategy.canary.analysis.source");
        assertThat(canaryIngress()).isNull();
        assertThat(app.get("web-canary")).isNull();
    }

    private Ingress canaryIngress() {
        return cluster.client().network().v1().ingresses().inNamespace("shop").withName("web-canary").get();
    }

    private String stableImage() {
        return app.get("web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }
}
