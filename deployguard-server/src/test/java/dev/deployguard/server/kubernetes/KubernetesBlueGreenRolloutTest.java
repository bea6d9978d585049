package dev.deployguard.server.kubernetes;

import dev.deployguard.rollout.RolloutKind;
import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startBlueGreen(dir, "2s");
    }

    @Test
    void deployPreviewsTheNewSlotPromoteSwitchesTheSelectorAndAbortKeepsUsersOnTheStableSlot() throws Exception {
        DeployResult first = kube.deploy("v2");

        // The deploy answers while the slot rolls out; the fixture then waits for the rollout's first step.
        assertThat(first.message()).contains("blue/green rollout of v2", "slot green", "web-preview",
                "preparing: waiting for deployment shop/web-green (shop/web:v2) to roll out in slot green");
        assertThat(cluster.selector("web")).as("users on the adopted release, now in slot blue")
                .isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(cluster.image("web-green")).isEqualTo("shop/web:v2");
        assertThat(cluster.replicas("web-blue")).isEqualTo(3);
        assertThat(cluster.replicas("web-green")).isEqualTo(3);
        assertThat(cluster.deployment("web-green").getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(SLOT, "green");
        assertThat(cluster.image("web")).as("the app's own Deployment is left as it was").isEqualTo("shop/web:v1");
        Rollout active = cp.store().activeRollout("web").orElseThrow();
        assertThat(active.kind()).isEqualTo(RolloutKind.BLUE_GREEN);
        assertThat(active.phase()).as("autoPromote: false waits for a person").isEqualTo(Rollout.Phase.PAUSED);
        assertThat(active.canaryRevision()).isEqualTo(active.stableRevision() + 1);
        assertThat(cp.store().currentLock("web")).as("deploy gave the app lock back").isEmpty();
        cluster.clearCalls();

        Instant promotedAt = Instant.now();
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");

        assertThat(cluster.writes()).as("promotion is one Service update")
                .containsExactly("PUT /api/v1/namespaces/shop/services/web");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.replicas("web-blue")).as("the old slot stays warm for the scale-down delay").isEqualTo(3);
        assertThat(cp.store().activeRollout("web").orElseThrow().phase()).isEqualTo(Rollout.Phase.BAKING);

        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(Duration.between(promotedAt, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(cluster.replicas("web-blue")).isZero();
        assertThat(cluster.replicas("web-green")).isEqualTo(3);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(kube.kinds()).contains("rollout.started", "preview.started", "traffic.switched", "rollout.promoted",
                "deploy.succeeded");

        kube.deploy("v3");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v3");
        assertThat(cluster.replicas("web-blue")).as("the idle slot is started again at the live slot's size")
                .isEqualTo(3);
        cluster.clearCalls();

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.writes()).as("users were never on the new slot: only it is written (scaled down)")
                .containsExactly("PUT /apis/apps/v1/namespaces/shop/deployments/web-blue");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.replicas("web-blue")).isZero();
        Deployment stable = cluster.deployment("web-green");
        assertThat(stable.getSpec().getReplicas()).isEqualTo(3);
        assertThat(cluster.image("web-green")).isEqualTo("shop/web:v2");
        assertThat(cp.store().activeRollout("web")).isEmpty();
        assertThat(kube.kinds()).contains("rollback.succeeded");

        kube.deploy("v4");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));

        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(back.message()).contains("aborted the blue/green rollout", "previous slot");
        assertThat(cluster.selector("web")).as("rollback during the bake switches users back at once")
                .isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.replicas("web-blue")).isZero();
        assertThat(cluster.replicas("web-green")).isEqualTo(3);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }
}
