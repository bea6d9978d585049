package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
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
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Kubernetes app driven by a real (in-process) control plane: its rollout runner ticks in real time,
 * the mock API server holds the objects, and the simulated Deployment controller rolls out templates. The rollout
 * is persisted in the store like a local one; the cluster shows each step.
 */
class KubernetesCanaryRolloutTest {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    private static final String WEIGHT_TOTAL = "nginx.ingress.kubernetes.io/canary-weight-total";

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
        app.ingress();
        ClusterSimulator simulator = new ClusterSimulator(client);
        simulator.settle(10);
        controller = simulator.runInBackground(20);
    }

    private void controlPlane(String steps) throws Exception {
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
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
                        steps: %s
                        bake: 0s
                """.formatted(cluster.kubeconfig(), steps));
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

    private Ingress canaryIngress() {
        return cluster.client().network().v1().ingresses().inNamespace(NS).withName("web-canary").get();
    }

    private String stableImage() {
        return app.get("web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for " + what).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void deployWalksToTheFirstStepPromoteRollsOutTheNewTemplateAndAbortLeavesStableAlone() throws Exception {
        controlPlane("[{setWeight: 20}, {pause: {}}]");

        DeployResult first = deploy("v2");

        assertThat(first.message()).contains("canary rollout of v2", "canary weight 20");
        Ingress canary = canaryIngress();
        assertThat(canary).isNotNull();
        assertThat(canary.getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000")
                .containsEntry(WEIGHT_TOTAL, "10000");
        assertThat(app.get("web-canary").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("shop/web:v2");
        assertThat(stableImage()).isEqualTo("shop/web:v1");
        Rollout active = cp.store().activeRollout("web").orElseThrow();
        assertThat(active.phase()).isEqualTo(Rollout.Phase.PAUSED);
        assertThat(active.weight()).isEqualTo(2000);
        assertThat(cp.store().currentLock("web")).as("deploy gave the app lock back").isEmpty();
        // The rollout ticker may record a verdict between the two reads; everything else must be the same rollout.
        assertThat(cp.kubernetes().status("web").get("rollout")).usingRecursiveComparison()
                .ignoringFields("lastVerdict").isEqualTo(active);

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(stableImage()).isEqualTo("shop/web:v2");
        Deployment stable = app.get("web");
        assertThat(stable.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"))
                .isEqualTo(String.valueOf(done.canaryRevision()));
        assertThat(stable.getMetadata().getAnnotations().get("kubernetes.io/change-cause"))
                .contains("promoted revision " + done.canaryRevision() + " of web");
        assertThat(canaryIngress()).as("the canary route is removed once stable rolled out").isNull();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
        assertThat(kinds()).contains("rollout.started", "traffic.switched", "rollout.promoted", "deploy.succeeded");

        deploy("v3");
        assertThat(canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        long stableGeneration = app.get("web").getMetadata().getGeneration();
        cluster.clearCalls();

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        // The simulated controller may still be writing the v3 canary's ReplicaSet, status and revision annotation
        // (that one with a PATCH; DeployGuard writes with PUT): not DeployGuard's.
        List<String> writes = cluster.calls().stream().filter(c -> !c.method().equals("GET"))
                .filter(c -> !c.method().equals("PATCH"))
                .filter(c -> !c.path().contains("/replicasets") && !c.path().endsWith("/status"))
                .map(c -> c.method() + " " + c.path()).toList();
        assertThat(writes).as("weight 0 first, then the canary scaled down, then its route removed").startsWith(
                "PUT /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-canary");
        assertThat(writes).contains("DELETE /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary");
        assertThat(writes).as("the stable Deployment is not written").noneMatch(w -> w.endsWith("/deployments/web"));
        assertThat(canaryIngress()).isNull();
        assertThat(stableImage()).isEqualTo("shop/web:v2");
        assertThat(app.get("web").getMetadata().getGeneration()).isEqualTo(stableGeneration);
        assertThat(cp.store().activeRollout("web")).isEmpty();
        assertThat(kinds()).contains("rollback.succeeded");

        deploy("v4");
        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");
        assertThat(back.message()).contains("aborted the canary");
        assertThat(canaryIngress()).as("rollback during a canary aborts it").isNull();
        assertThat(stableImage()).isEqualTo("shop/web:v2");
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }

    @Test
    void anAnalysisStepWithNoSourceIsRefusedBeforeAnythingChanges() throws Exception {
        controlPlane("[{setWeight: 20}, {analysis: {}}]");

        assertThatThrownBy(() -> deploy("v2")).isInstanceOfSatisfying(DeployGuardException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).contains("analysis step", "strategy.canary.analysis.source",
                    "--prometheus-url", "DEPLOYGUARD_PROMETHEUS_URL");
        });
        assertThat(app.get("web-canary")).isNull();
        assertThat(canaryIngress()).isNull();
        assertThat(cp.store().rollouts("web", 1)).isEmpty();
        assertThat(cp.store().currentLock("web")).isEmpty();
    }

    private List<String> kinds() {
        return cp.store().events("web", 0, null, 500).stream().map(Event::kind).toList();
    }
}
