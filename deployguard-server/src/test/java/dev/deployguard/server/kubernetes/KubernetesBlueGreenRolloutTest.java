package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.progressive.AppObjects;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blue/green of a Kubernetes app driven by a real (in-process) control plane: the rollout is persisted and ticked
 * like a canary, the mock API server holds the slots and Services, and the simulated Deployment controller rolls the
 * slots out. Users move between slots only by the Service's selector.
 */
class KubernetesBlueGreenRolloutTest {
    private static final String SLOT = "deployguard.dev/slot";

    @TempDir
    Path dir;
    private MockCluster cluster;
    private AppObjects app;
    private AutoCloseable controller;
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster = MockCluster.start();
        var client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        app = new AppObjects(client);
        app.deployment();
        app.service();
        ClusterSimulator simulator = new ClusterSimulator(client);
        simulator.settle(10);
        controller = simulator.runInBackground(20);
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      kubernetes:
                        namespace: shop
                        kubeconfig: %s
                        service: web
                        rolloutTimeout: 20s
                    strategy:
                      blueGreen:
                        autoPromote: false
                        scaleDownDelay: 2s
                """.formatted(cluster.kubeconfig()));
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        cp.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private DeployResult deploy(String version) {
        return cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, null, "alice", true));
    }

    private Map<String, String> selector(String service) {
        return app.getService(service).getSpec().getSelector();
    }

    private String image(String deployment) {
        return app.get(deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private int replicas(String deployment) {
        return app.get(deployment).getSpec().getReplicas();
    }

    /** Writes by DeployGuard: the simulated controller's ReplicaSet and status writes left out. */
    private List<String> writes() {
        return cluster.calls().stream().filter(c -> !c.method().equals("GET"))
                .filter(c -> !c.path().contains("/replicasets") && !c.path().endsWith("/status"))
                .map(c -> c.method() + " " + c.path()).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for " + what).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void deployPreviewsTheNewSlotPromoteSwitchesTheSelectorAndAbortKeepsUsersOnTheStableSlot() throws Exception {
        DeployResult first = deploy("v2");

        assertThat(first.message()).contains("blue/green rollout of v2", "slot green", "web-preview",
                "users stay on slot blue");
        assertThat(selector("web")).as("users on the adopted release, now in slot blue")
                .isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(image("web-green")).isEqualTo("shop/web:v2");
        assertThat(replicas("web-blue")).isEqualTo(3);
        assertThat(replicas("web-green")).isEqualTo(3);
        assertThat(app.get("web-green").getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(SLOT, "green");
        assertThat(image("web")).as("the app's own Deployment is left as it was").isEqualTo("shop/web:v1");
        Rollout active = cp.store().activeRollout("web").orElseThrow();
        assertThat(active.kind()).isEqualTo("blueGreen");
        assertThat(active.phase()).as("autoPromote: false waits for a person").isEqualTo(Rollout.Phase.PAUSED);
        assertThat(active.canaryRevision()).isEqualTo(active.stableRevision() + 1);
        assertThat(cp.store().currentLock("web")).as("deploy gave the app lock back").isEmpty();
        cluster.clearCalls();

        Instant promotedAt = Instant.now();
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");

        assertThat(writes()).as("promotion is one Service update")
                .containsExactly("PUT /api/v1/namespaces/shop/services/web");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(replicas("web-blue")).as("the old slot stays warm for the scale-down delay").isEqualTo(3);
        assertThat(cp.store().activeRollout("web").orElseThrow().phase()).isEqualTo(Rollout.Phase.BAKING);

        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(Duration.between(promotedAt, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(replicas("web-blue")).isZero();
        assertThat(replicas("web-green")).isEqualTo(3);
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(kinds()).contains("rollout.started", "preview.started", "traffic.switched", "rollout.promoted",
                "deploy.succeeded");

        deploy("v3");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(image("web-blue")).isEqualTo("shop/web:v3");
        assertThat(replicas("web-blue")).as("the idle slot is started again at the live slot's size").isEqualTo(3);
        cluster.clearCalls();

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(writes()).as("users were never on the new slot: only it is written (scaled down)")
                .containsExactly("PUT /apis/apps/v1/namespaces/shop/deployments/web-blue");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(replicas("web-blue")).isZero();
        Deployment stable = app.get("web-green");
        assertThat(stable.getSpec().getReplicas()).isEqualTo(3);
        assertThat(image("web-green")).isEqualTo("shop/web:v2");
        assertThat(cp.store().activeRollout("web")).isEmpty();
        assertThat(kinds()).contains("rollback.succeeded");

        deploy("v4");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));

        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(back.message()).contains("aborted the blue/green rollout", "previous slot");
        assertThat(selector("web")).as("rollback during the bake switches users back at once")
                .isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(replicas("web-blue")).isZero();
        assertThat(replicas("web-green")).isEqualTo(3);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }

    private List<String> kinds() {
        return cp.store().events("web", 0, null, 500).stream().map(Event::kind).toList();
    }
}
