package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strategy's {@code progressDeadlineSeconds} is the deadline a Kubernetes canary prepares under, as in Flagger: a
 * canary Deployment not ready within it is rolled back with "progress deadline exceeded" (fluxcd/flagger @
 * 215c8596, pkg/canary/deployment_ready.go isDeploymentReady, pkg/controller/scheduler.go "Rolling back ... progress
 * deadline exceeded"). The app's {@code rolloutTimeout} here is 20 s (ClusterFixture.CANARY) and the strategy says
 * 90 s: the rollout is still preparing past 20 s and at 89 s, and rolled back at 90 s. Simulated time; the test ticks
 * the runner itself after each advance, so "not yet rolled back" is asserted after a tick at that instant.
 */
class KubernetesProgressDeadlineTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(START);
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startHandRolledCanary(dir, "[{setWeight: 20}, {pause: {}}]", 90);
    }

    private void tickAt(Duration sinceStart) {
        kube.tickAt(START.plus(sinceStart));
    }

    @Test
    void aCanaryThatNeverBecomesReadyIsRolledBackAtTheProgressDeadlineNotBeforeAndNotAtRolloutTimeout() {
        cluster.simulator().failImage("shop/web:v9");
        kube.submit("v9", null);

        Waiting.Preparing preparing = (Waiting.Preparing) kube.active().orElseThrow().waiting();
        assertThat(preparing.deadline()).as("progressDeadlineSeconds, not rolloutTimeout (20 s)")
                .isEqualTo(START.plusSeconds(90));
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);
        cluster.simulator().settle(10);

        tickAt(Duration.ofSeconds(21));
        assertThat(kube.active()).as("past the app's rolloutTimeout of 20 s: still preparing").isPresent()
                .get().extracting(Rollout::waiting).isInstanceOf(Waiting.Preparing.class);
        tickAt(Duration.ofSeconds(89));
        assertThat(kube.active()).as("one second before the progress deadline: still preparing").isPresent()
                .get().extracting(Rollout::waiting).isInstanceOf(Waiting.Preparing.class);

        tickAt(Duration.ofSeconds(90));

        kube.await("the rollout to end", () -> kube.active().isEmpty());
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(done.outcome()).contains("progress deadline exceeded", "shop/web-canary",
                "by " + START.plusSeconds(90), "no traffic was routed to it");
        assertThat(cp.store().events("web", 0, null, 500).stream().map(Event::kind))
                .contains("rollout.preparation-failed");
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
    }

    @Test
    void aDeploysTimeoutWinsOverTheProgressDeadline() {
        kube.submit("v2", Duration.ofSeconds(45));

        assertThat(((Waiting.Preparing) kube.active().orElseThrow().waiting()).deadline())
                .isEqualTo(START.plusSeconds(45));
    }
}
