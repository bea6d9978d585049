package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @Test
    void deployWalksToTheFirstStepPromoteRollsOutTheNewTemplateAndAbortLeavesStableAlone() throws Exception {
        cp = kube.startCanary(dir, "[{setWeight: 20}, {pause: {}}]");

        DeployResult first = kube.deploy("v2");

        // The deploy answers while the canary Deployment rolls out; the fixture then waits for the first step.
        assertThat(first.message()).contains("canary rollout of v2", "preparing: waiting for the canary deployment"
                + " shop/web-canary (shop/web:v2) to roll out");
        Ingress canary = cluster.canaryIngress();
        assertThat(canary).isNotNull();
        assertThat(canary.getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000")
                .containsEntry(WEIGHT_TOTAL, "10000");
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:v2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
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
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        Deployment stable = cluster.deployment("web");
        assertThat(stable.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"))
                .isEqualTo(String.valueOf(done.canaryRevision()));
        assertThat(stable.getMetadata().getAnnotations().get("kubernetes.io/change-cause"))
                .contains("promoted revision " + done.canaryRevision() + " of web");
        assertThat(cluster.canaryIngress()).as("the canary route is removed once stable rolled out").isNull();
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(kube.kinds()).contains("rollout.started", "traffic.switched", "rollout.promoted",
                "deploy.succeeded");

        kube.deploy("v3");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        long stableGeneration = cluster.deployment("web").getMetadata().getGeneration();
        cluster.clearCalls();

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        // The simulated controller may still be writing the v3 canary's ReplicaSet, status and revision annotation
        // (that one with a PATCH; DeployGuard writes with PUT): not DeployGuard's.
        List<String> writes = cluster.writes().stream().filter(w -> !w.startsWith("PATCH ")).toList();
        assertThat(writes).as("weight 0 first, then the canary scaled down, then its route removed").startsWith(
                "PUT /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-canary");
        assertThat(writes).contains("DELETE /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary");
        assertThat(writes).as("the stable Deployment is not written").noneMatch(w -> w.endsWith("/deployments/web"));
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cluster.deployment("web").getMetadata().getGeneration()).isEqualTo(stableGeneration);
        assertThat(cp.store().activeRollout("web")).isEmpty();
        assertThat(kube.kinds()).contains("rollback.succeeded");

        kube.deploy("v4");
        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");
        assertThat(back.message()).contains("aborted the canary");
        assertThat(cluster.canaryIngress()).as("rollback during a canary aborts it").isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }

    @Test
    void anAnalysisStepWithNoSourceIsRefusedBeforeAnythingChanges() throws Exception {
        cp = kube.startCanary(dir, "[{setWeight: 20}, {analysis: {}}]");

        assertThatThrownBy(() -> kube.deploy("v2")).isInstanceOfSatisfying(DeployGuardException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            assertThat(e.getMessage()).contains("analysis step", "strategy.canary.analysis.source",
                    "--prometheus-url", "DEPLOYGUARD_PROMETHEUS_URL");
        });
        assertThat(cluster.deployment("web-canary")).isNull();
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cp.store().rollouts("web", 1)).isEmpty();
        assertThat(cp.store().currentLock("web")).isEmpty();
    }
}
