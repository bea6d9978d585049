package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator.Outcome;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.Waiting;
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
 * Preparing a blue/green slot of a Deployment is a phase the rollout runner ticks (issue 18 item 1), as
 * {@link KubernetesCanaryPreparationTest} has it for a canary: the deploy request records the rollout and returns;
 * ticks move the app into slot blue (the first time), start the new slot once and wait for it to roll out before the
 * rollout's first step; past the deadline the slot is scaled to 0 and users stay where they were; a restarted control
 * plane goes on preparing; only abort acts meanwhile. Simulated time (the deadline); the simulated controller runs,
 * and the slot the test holds back is {@link Outcome#STALLED} until the test lets it become ready, so "not ready
 * yet" is a state the test holds, not a race. Compare Argo Rollouts (argoproj/argo-rollouts, rollout/bluegreen.go):
 * the preview ReplicaSet must be available before the active Service may be switched, and progressDeadlineSeconds
 * aborts a rollout that does not progress.
 */
class KubernetesBlueGreenPreparationTest {
    private static final String SLOT = "deployguard.dev/slot";

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-01T10:00:00Z"));
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startBlueGreen(dir, "1h");
    }

    /** The new slot is written and previewed (its pods held back by the test). */
    private void awaitGreenPreviewed(String image) {
        kube.awaitPreviewed("web-green", image, Map.of("app", "web", SLOT, "green"));
    }

    @Test
    void theDeployAnswersAtOnceAndTheRolloutBeginsOnlyOnceTheSlotHasRolledOut() {
        cluster.simulator().outcome("shop", "web-green", Outcome.STALLED);

        DeployResult answer = kube.submit("v2", null);

        assertThat(answer.message()).contains("blue/green rollout of v2 (shop/web:v2) in slot green, previewed on"
                + " Service web-preview; preparing: waiting for deployment shop/web-green (shop/web:v2) to roll out in"
                + " slot green", "deployguard status web --watch");
        assertThat(kube.active().orElseThrow().waiting()).isInstanceOf(Waiting.Preparing.class);
        assertThat(cp.store().currentLock("web")).as("the request gave the app lock back").isEmpty();
        assertThatThrownBy(() -> kube.submit("v3", null)).isInstanceOfSatisfying(DeployGuardException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));

        awaitGreenPreviewed("shop/web:v2");
        assertThat(cluster.selector("web")).as("users on the adopted release, now in slot blue")
                .isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(kube.preparing()).as("slot green has not rolled out: still preparing").isTrue();
        assertThat(kube.kinds()).doesNotContain("preview.started", "rollout.started");
        assertThatThrownBy(() -> cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY);
                    assertThat(e.getMessage()).contains("has not started yet", "only abort");
                });
        assertThat(cluster.selector("web")).as("the refused promotion switched nothing")
                .isEqualTo(Map.of("app", "web", SLOT, "blue"));

        cluster.simulator().outcome("shop", "web-green", Outcome.HEALTHY);
        kube.await("the rollout's first step", () -> kube.active().map(r -> r.phase() == Rollout.Phase.PAUSED)
                .orElse(false));

        Rollout started = kube.active().orElseThrow();
        assertThat(started.waiting()).as("autoPromote: false waits for a person").isNotNull()
                .isNotInstanceOf(Waiting.Preparing.class);
        assertThat(started.canaryRevision()).isEqualTo(started.stableRevision() + 1);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(kube.kinds()).containsSubsequence("rollout.preparing", "preview.started", "rollout.started");
        assertThat(kube.kinds().stream().filter("preview.started"::equals)).as("recorded once").hasSize(1);
        assertThat(cluster.deployment("web-green").getMetadata().getAnnotations())
                .containsEntry("deployguard.dev/revision", Integer.toString(started.canaryRevision()));

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
    }

    @Test
    void aSlotThatDoesNotRollOutByTheDeadlineIsScaledDownAndUsersStayOnTheServingSlot() {
        cluster.simulator().failImage("shop/web:v9");
        kube.submit("v9", Duration.ofMinutes(2));
        awaitGreenPreviewed("shop/web:v9");
        assertThat(kube.preparing()).isTrue();

        clock.advance(Duration.ofMinutes(2));

        kube.await("the rollout to end", () -> kube.active().isEmpty());
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(done.outcome()).contains("not ready in time", "shop/web-green", "no traffic was routed to it");
        assertThat(cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals("rollout.preparation-failed")).findFirst().orElseThrow().message())
                .contains("gave up preparing revision", "slot green");
        assertThat(kube.kinds()).doesNotContain("rollout.started", "preview.started");
        assertThat(cluster.replicas("web-green")).as("the new slot scaled back").isZero();
        assertThat(cluster.selector("web")).as("users stay on the serving slot")
                .isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(cluster.replicas("web-blue")).isEqualTo(3);
    }

    @Test
    void aControlPlaneRestartedMidPreparationGoesOnPreparingTheSameRollout() {
        cluster.simulator().outcome("shop", "web-green", Outcome.STALLED);
        kube.submit("v2", null);
        awaitGreenPreviewed("shop/web:v2");
        long id = kube.active().orElseThrow().id();

        cp = kube.restartControlPlane(dir);

        assertThat(kube.preparing()).isTrue();
        assertThat(cp.store().events("web", 0, null, 500)).anyMatch(e -> e.kind().equals("rollout.resumed")
                && e.message().contains("resumed preparing"));
        cluster.simulator().outcome("shop", "web-green", Outcome.HEALTHY);
        kube.await("the first step after the restart", () -> kube.active().map(r -> r.phase() == Rollout.Phase.PAUSED)
                .orElse(false));
        assertThat(kube.active().orElseThrow().id()).as("the same rollout").isEqualTo(id);
        assertThat(cluster.image("web-green")).isEqualTo("shop/web:v2");
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "green"));
    }

    @Test
    void anAbortDuringPreparationScalesTheNewSlotDown() {
        cluster.simulator().outcome("shop", "web-green", Outcome.STALLED);
        kube.submit("v2", null);
        awaitGreenPreviewed("shop/web:v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.replicas("web-green")).isZero();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.replicas("web-blue")).isEqualTo(3);
    }

    @Test
    void anAbortWhileTheAppIsStillBeingMovedIntoSlotBlueLeavesItsOwnDeploymentServing() {
        cluster.simulator().outcome("shop", "web-blue", Outcome.STALLED);
        kube.submit("v2", null);
        kube.await("slot blue written", () -> cluster.deployment("web-blue") != null);

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.selector("web")).as("the Service never switched").isEqualTo(Map.of("app", "web"));
        assertThat(cluster.replicas("web-blue")).as("the adopted copy scaled to 0").isZero();
        assertThat(cluster.deployment("web-green")).as("no new slot was started").isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
    }
}
