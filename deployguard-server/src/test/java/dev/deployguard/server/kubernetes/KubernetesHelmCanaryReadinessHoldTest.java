package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Helm release's canary is held while its Deployment is not ready, as a Deployment's canary is
 * (KubernetesCanaryReadinessHoldTest; Flagger's fluxcd/flagger pkg/canary/deployment_ready.go): both share
 * ClusterCanaryTarget's probe. The simulated Deployment controller runs in the background on the real clock; the
 * progress deadline (10 minutes) is far beyond the test, whose waits are bounded polls for the events.
 */
class KubernetesHelmCanaryReadinessHoldTest {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster.app().ingress();
        cluster.runController(20);
        cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir))
                + ClusterFixture.CANARY, """
                strategy:
                  canary:
                    steps: [{setWeight: 20}, {pause: {}}]
                    bake: 0s
                    progressDeadlineSeconds: 600
                """);
    }

    private List<Event> events(String kind) {
        return cp.store().events("web", 0, null, 500).stream().filter(e -> e.kind().equals(kind)).toList();
    }

    @Test
    void aHelmCanaryThatLosesReadinessIsHeldAndResumesWhenReadyAgain() {
        kube.deploy("v1");
        kube.deploy("v2");
        Rollout before = cp.store().activeRollout("web").orElseThrow();

        cluster.simulator().outcome("shop", "web-canary", ClusterSimulator.Outcome.STALLED);
        await("the rollout.held event", () -> !events("rollout.held").isEmpty());

        assertThat(events("rollout.held").get(0).message()).contains("rollout held at canary weight 20%",
                "the canary deployment of shop/web to be ready again", "updated replicas are available");
        assertThat(cp.rollouts().held("web")).get().asString().contains("the canary deployment of shop/web");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");

        cluster.simulator().outcome("shop", "web-canary", ClusterSimulator.Outcome.HEALTHY);
        await("the rollout.ready-again event", () -> !events("rollout.ready-again").isEmpty());

        Rollout after = cp.store().activeRollout("web").orElseThrow();
        assertThat(after.id()).isEqualTo(before.id());
        assertThat(after.weight()).isEqualTo(2000);
        assertThat(cp.rollouts().held("web")).isEmpty();
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
    }
}
