package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator.Outcome;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preparing the blue/green slot of a Helm release is a phase the rollout runner ticks (issue 18 item 1), as
 * {@link KubernetesBlueGreenPreparationTest} has it for a Deployment: the deploy answers at once, the ticks start the
 * slot (the chart rendered at the new version) once and wait for it to roll out; the deadline scales it to 0 and
 * leaves the release and its Service as they were; a restarted control plane goes on preparing. The slot's pods are
 * held back ({@link Outcome#STALLED}) until the test lets them become ready; the deadline is in simulated time.
 */
class KubernetesHelmBlueGreenPreparationTest {
    private static final String TRACK = "deployguard.dev/track";

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-01T10:00:00Z"));
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster.runController(20);
        Path chart = KubernetesHelmCanaryRolloutTest.chart(dir);
        cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(chart) + ClusterFixture.BLUE_GREEN,
                ClusterFixture.blueGreen("1h"));
        kube.deploy("v1");
    }

    private void awaitSlotPreviewed(String image) {
        kube.awaitPreviewed("web-preview", image, Map.of("app", "web", TRACK, "preview"));
    }

    @Test
    void theDeployAnswersAtOnceAndTheRolloutBeginsOnlyOnceTheSlotHasRolledOut() {
        cluster.simulator().outcome("shop", "web-preview", Outcome.STALLED);

        DeployResult answer = kube.submit("v2", null);

        assertThat(answer.message()).contains("blue/green rollout of v2 (Helm release shop/web) in slot web-preview,"
                + " previewed on Service web-preview; preparing: waiting for the slot shop/web-preview (Helm release"
                + " web at v2) to roll out");
        assertThat(kube.preparing()).isTrue();
        assertThat(cp.store().currentLock("web")).isEmpty();
        assertThatThrownBy(() -> kube.submit("v3", null)).isInstanceOfSatisfying(DeployGuardException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));

        awaitSlotPreviewed("shop/web:v2");
        assertThat(kube.preparing()).as("the slot has not rolled out: still preparing").isTrue();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(kube.kinds()).doesNotContain("preview.started");
        assertThatThrownBy(() -> cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));

        cluster.simulator().outcome("shop", "web-preview", Outcome.HEALTHY);
        kube.await("the rollout's first step", () -> kube.active().map(r -> r.phase() == Rollout.Phase.PAUSED)
                .orElse(false));

        assertThat(kube.kinds()).containsSubsequence("rollout.preparing", "preview.started", "rollout.started");
        assertThat(cluster.helmHistory()).as("the release is written only when the rollout finishes").hasSize(1);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "stable"));
    }

    @Test
    void aSlotThatDoesNotRollOutByTheDeadlineIsScaledDownAndTheReleaseIsLeftAsItWas() {
        cluster.simulator().failImage("shop/web:v9");
        kube.submit("v9", Duration.ofMinutes(2));
        awaitSlotPreviewed("shop/web:v9");
        assertThat(kube.preparing()).isTrue();

        clock.advance(Duration.ofMinutes(2));

        kube.await("the rollout to end", () -> kube.active().isEmpty());
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(done.outcome()).contains("not ready in time", "shop/web-preview", "no traffic was routed to it");
        assertThat(kube.kinds()).contains("rollout.preparation-failed").doesNotContain("preview.started");
        assertThat(cluster.replicas("web-preview")).isZero();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cluster.helmHistory()).hasSize(1);
    }

    @Test
    void aControlPlaneRestartedMidPreparationGoesOnPreparingTheSameRollout() {
        cluster.simulator().outcome("shop", "web-preview", Outcome.STALLED);
        kube.submit("v2", null);
        awaitSlotPreviewed("shop/web:v2");
        long id = kube.active().orElseThrow().id();

        cp = kube.restartControlPlane(dir);

        assertThat(kube.preparing()).isTrue();
        cluster.simulator().outcome("shop", "web-preview", Outcome.HEALTHY);
        kube.await("the first step after the restart", () -> kube.active().map(r -> r.phase() == Rollout.Phase.PAUSED)
                .orElse(false));
        assertThat(kube.active().orElseThrow().id()).isEqualTo(id);
        assertThat(cluster.image("web-preview")).isEqualTo("shop/web:v2");

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", TRACK, "preview"));
    }
}
