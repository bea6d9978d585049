package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blue/green of a Helm release driven by a real (in-process) control plane against the mock API server and the
 * simulated Deployment controller: the slot is previewed, promotion switches the Service, finishing writes the
 * Helm upgrade and returns users to the release's Deployment, and an abort during the bake writes no revision.
 */
class KubernetesHelmBlueGreenRolloutTest {
    private static final String TRACK = "deployguard.dev/track";

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster.runController(20);
        Path chart = KubernetesHelmCanaryRolloutTest.chart(dir);
        cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(chart) + ClusterFixture.BLUE_GREEN,
                ClusterFixture.blueGreen("5s"));
    }

    @Test
    void previewPromoteFinishWithAHelmUpgradeAndAbortDuringTheBake() throws Exception {
        kube.deploy("v1");

        DeployResult preview = kube.deploy("v2");

        // The deploy answers while the slot rolls out; the fixture then waits for the rollout's first step.
        assertThat(preview.message()).contains("blue/green rollout of v2", "web-preview",
                "preparing: waiting for the slot shop/web-preview (Helm release web at v2) to roll out");
        assertThat(cluster.image("web-preview")).isEqualTo("shop/web:v2");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", TRACK, "preview"));
        assertThat(cluster.helmHistory()).hasSize(1);
        assertThat(cp.store().activeRollout("web").orElseThrow().phase()).isEqualTo(Rollout.Phase.PAUSED);

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "preview"));
        await("the rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(cluster.helmHistory()).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cluster.selector("web")).as("back on the release's Deployment, which runs v2")
                .isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(cluster.deployment("web-preview").getSpec().getReplicas()).isZero();
        assertThat(kube.kinds()).contains("preview.started", "traffic.switched", "deploy.succeeded");

        kube.deploy("v3");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(cluster.selector("web")).containsEntry(TRACK, "preview");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(back.message()).contains("aborted the blue/green rollout", "Helm release shop/web revision 2");
        assertThat(cluster.selector("web")).as("switched back at once to the warm release Deployment")
                .containsEntry(TRACK, "stable");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cluster.deployment("web-preview").getSpec().getReplicas()).isZero();
        assertThat(cluster.helmHistory()).as("no revision for the aborted version").hasSize(2);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }
}
