package dev.deployguard.server.kubernetes;

import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blue/green {@code rollback} to a slot that was scaled to 0 is a phase the rollout runner ticks (issue 18), as a
 * deploy's slot is prepared ({@link KubernetesBlueGreenPreparationTest}): the request starts the slot and answers at
 * once; ticks switch users once it has rolled out; at the deadline ({@code rolloutTimeout: 20s} in the fixture's
 * spec) the slot is scaled back to 0 with {@code rollback.failed}; a restarted control plane goes on. Simulated time
 * for the deadline; the slot the test holds back is {@link Outcome#STALLED} until the test lets it become ready, so
 * "not ready yet" is a state the test holds, not a race. Compare Argo Rollouts (argoproj/argo-rollouts,
 * rollout/bluegreen.go): the active Service is switched only to an available ReplicaSet.
 */
class KubernetesBlueGreenColdRollbackTest {
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
        kube.deploy("v2");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        kube.await("the scale-down delay to end the rollout", () -> active().isEmpty());
        kube.await("the controller to scale slot blue down",
                () -> cluster.settled("web-blue") && cluster.ready("web-blue") == 0);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        cluster.simulator().outcome("shop", "web-blue", Outcome.STALLED);
    }

    private Optional<Rollout> active() {
        return cp.store().activeRollout("web");
    }

    private boolean preparing() {
        return active().map(r -> r.waiting() instanceof Waiting.Preparing).orElse(false);
    }

    private List<Event> events(String kind) {
        return cp.store().events("web", 0, null, 1000).stream().filter(e -> e.kind().equals(kind)).toList();
    }

    @Test
    void theRollbackAnswersAtOnceAndSwitchesUsersOnATickOnceTheSlotHasRolledOut() {
        DeployResult answer = cp.kubernetes().rollback("web", null, "v2 leaks memory", "carol");

        assertThat(answer.message()).contains("rolling back web to v1 (revision 3, a copy of revision 1) in slot blue",
                "preparing: waiting for slot blue (shop/web-blue) to roll out revision 1's pod template",
                "deployguard status web --watch");
        assertThat(answer.release().revision()).isEqualTo(3);
        List<Event> preparingEvents = events("rollout.preparing");
        assertThat(preparingEvents.get(preparingEvents.size() - 1).message())
                .as("a rollback, not a rollout of the spec's strategy").startsWith("preparing the rollback of web to v1 (revision 3, a copy of revision 1): waiting for slot"
                        + " blue (shop/web-blue)")
                .doesNotContain("blueGreen", "blue/green rollout");
        assertThat(preparing()).isTrue();
        assertThat(cp.store().currentLock("web")).as("the request gave the app lock back").isEmpty();
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(cluster.replicas("web-blue")).as("the slot is started again").isEqualTo(3);
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.selector("web")).as("users stay until the slot has rolled out")
                .isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThatThrownBy(() -> cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));
        clock.advance(Duration.ofSeconds(10));
        assertThat(preparing()).as("ticks while the slot is not ready change nothing").isTrue();
        assertThat(events("rollback.succeeded")).isEmpty();

        cluster.simulator().outcome("shop", "web-blue", Outcome.HEALTHY);
        kube.await("the rollback to end", () -> active().isEmpty());

        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.ready("web-blue")).as("users were switched only to ready pods").isEqualTo(3);
        assertThat(cluster.replicas("web-green")).as("the slot rolled back from is scaled to 0").isZero();
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(done.outcome()).isEqualTo("rollback to revision 1 by carol: v2 leaks memory");
        assertThat(events("rollback.succeeded")).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("rolled back web to v1 (revision 3, a copy of revision 1)", "cold");
            assertThat(e.data()).containsEntry("warm", false).containsEntry("from", 2).containsEntry("to", 1);
        });
        assertThat(cp.store().events("web", 0, null, 1000)).extracting(Event::kind)
                .containsSubsequence("rollback.started", "rollout.preparing", "preview.started", "traffic.switched",
                        "rollback.succeeded")
                .doesNotContain("rollback.failed", "rollback.automatic");
        assertThat(rows(cp.kubernetes().historyAnswer("web")))
                .containsExactly("1 v1 SUPERSEDED", "2 v2 ROLLED_BACK", "3 v1 DEPLOYED");
    }

    @Test
    void aSlotThatDoesNotRollOutByTheDeadlineIsScaledBackAndUsersStayWithAClearEvent() {
        cp.kubernetes().rollback("web", null, null, "carol");
        assertThat(preparing()).isTrue();

        clock.advance(Duration.ofSeconds(20));
        kube.await("the rollback to be given up", () -> active().isEmpty());

        assertThat(cluster.selector("web")).as("users never left the serving slot")
                .isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.replicas("web-blue")).as("the restarted slot scaled back to 0").isZero();
        assertThat(cluster.replicas("web-green")).isEqualTo(3);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(events("rollback.failed")).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("rollback of web to revision 1 failed: not ready in time: slot blue",
                    "was scaled to 0 and users stay on slot green (revision 2)",
                    "kubectl describe deployment/web-blue -n shop");
            assertThat(e.data()).containsEntry("from", 2).containsEntry("to", 1).containsEntry("revision", 3);
        });
        assertThat(events("rollout.preparation-failed")).hasSize(1);
        List<String> kinds = cp.store().events("web", 0, null, 1000).stream().map(Event::kind).toList();
        assertThat(kinds.subList(kinds.lastIndexOf("rollback.started"), kinds.size()))
                .as("not an abort of a deploy: nothing rolled back by itself, git is not restored")
                .containsExactly("rollback.started", "rollout.preparing", "rollout.preparation-failed",
                        "rollback.failed");
        assertThat(rows(cp.kubernetes().historyAnswer("web")))
                .containsExactly("1 v1 SUPERSEDED", "2 v2 DEPLOYED", "3 v1 ROLLED_BACK");
    }

    @Test
    void aControlPlaneRestartedMidRollbackGoesOnWithTheSameRollout() {
        cp.kubernetes().rollback("web", null, null, "carol");
        long id = active().orElseThrow().id();

        cp = kube.restartControlPlane(dir);

        assertThat(preparing()).isTrue();
        assertThat(events("rollout.resumed")).anyMatch(e -> e.message().startsWith("resumed preparing the rollback of"
                + " web to v1 (revision 3, a copy of revision 1): waiting for slot blue"));
        cluster.simulator().outcome("shop", "web-blue", Outcome.HEALTHY);
        kube.await("the rollback to end after the restart", () -> active().isEmpty());

        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.id()).as("the same rollout").isEqualTo(id);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.replicas("web-green")).isZero();
        assertThat(events("rollback.succeeded")).hasSize(1);
    }

    @Test
    void aSecondRollbackDuringTheFirstAbortsItAndUsersStay() {
        cp.kubernetes().rollback("web", null, null, "carol");

        DeployResult second = cp.kubernetes().rollback("web", null, null, "dave");

        assertThat(second.message()).as("the rollback in progress is what was aborted").contains(
                "aborted the rollback of web to v1 (revision 3, a copy of revision 1); all traffic is back on the"
                + " previous slot");
        assertThat(active()).isEmpty();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.replicas("web-blue")).isZero();
        assertThat(events("rollback.failed")).singleElement().satisfies(e -> assertThat(e.actor()).isEqualTo("dave"));
    }
}
