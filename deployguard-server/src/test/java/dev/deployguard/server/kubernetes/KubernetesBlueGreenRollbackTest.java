package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.releases;
import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.rows;
import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.slotRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.testing.SimulatedClock;
import dev.deployguard.release.Release;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollback} of a Kubernetes blue/green app with no rollout in progress, by a real (in-process) control plane
 * on a simulated clock against the mock API server and the simulated Deployment controller: once a slot serves, the
 * rollback moves the Service's selector between slots (the app's own Deployment has no users and is not touched);
 * before the first blue/green deploy it undoes the own Deployment as before.
 */
class KubernetesBlueGreenRollbackTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String SLOT = "deployguard.dev/slot";

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(T0);
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startBlueGreen(dir, "1h");
    }

    @Test
    void afterPromotionAWarmPreviousSlotIsOneServiceWriteAndTheRestoredReleaseIsANewRevision() throws Exception {
        promotedAndScaledDown("v2");
        // The operator brought the old slot back up (kubectl scale): it is warm again, and no rollout runs.
        cluster.client().apps().deployments().inNamespace(NS).withName("web-blue").edit(d -> {
            d.getSpec().setReplicas(3);
            return d;
        });
        kube.await("slot blue to be warm again", () -> cluster.settled("web-blue") && cluster.ready("web-blue") == 3);
        cluster.clearCalls();

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.writes()).as("one Service write switches users; then the slot's stamp and the scale-down")
                .containsExactly("PUT /api/v1/namespaces/shop/services/web",
                        "PUT /apis/apps/v1/namespaces/shop/deployments/web-blue",
                        "PUT /apis/apps/v1/namespaces/shop/deployments/web-green");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.replicas("web-green")).as("the slot rolled back from is scaled down, as after an abort")
                .isZero();
        assertThat(cluster.replicas("web-blue")).isEqualTo(3);
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(cluster.image("web")).as("the app's own Deployment is not touched").isEqualTo("shop/web:v1");
        assertThat(back.message()).contains("revision 3, a copy of revision 1", "warm switch");
        assertThat(back.release().revision() + " " + back.release().version() + " " + back.release().sourceRevision())
                .isEqualTo("3 v1 1");

        Map<String, Object> history = cp.kubernetes().historyAnswer("web");
        assertThat(rows(history)).containsExactly("1 v1 SUPERSEDED", "2 v2 ROLLED_BACK", "3 v1 DEPLOYED");
        Release three = releases(history).get(2);
        assertThat(three.changeCause() + " / " + three.actor() + " / " + three.sourceRevision())
                .isEqualTo("Rollback to 1 / carol / 1");
        assertThat(slotRows(history)).containsExactly("blue 3 active", "green 2 scaled-down");
        assertThat(((Release) cp.kubernetes().status("web").get("serving")).revision()).isEqualTo(3);
        assertThat(rollbackEvents()).containsExactly(
                "rollback.started from=2 to=1",
                "traffic.switched slot=blue",
                "rollback.succeeded from=2 to=1 warm=true");

        kube.deploy("v4");

        Rollout next = cp.store().activeRollout("web").orElseThrow();
        assertThat(next.stableRevision() + " -> " + next.canaryRevision()).isEqualTo("3 -> 4");
        assertThat(cluster.selector("web-preview")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.image("web-green")).isEqualTo("shop/web:v4");
    }

    @Test
    void afterTheScaleDownTheTargetsTemplateIsStartedInTheIdleSlotBeforeUsersAreSwitched() throws Exception {
        promotedAndScaledDown("v2");
        cluster.clearCalls();

        DeployResult back = coldRollback(null, "v2 leaks memory");

        assertThat(serviceWrites()).as("preview to the restarted slot, then the one switch of users")
                .containsExactly("PUT /api/v1/namespaces/shop/services/web-preview",
                        "PUT /api/v1/namespaces/shop/services/web");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.image("web-blue")).isEqualTo("shop/web:v1");
        assertThat(cluster.ready("web-blue")).as("users were switched only to ready pods").isEqualTo(3);
        assertThat(cluster.replicas("web-green")).isZero();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cluster.writes()).noneMatch(w -> w.endsWith("/deployments/web"));
        assertThat(back.message()).contains("revision 3, a copy of revision 1", "preparing: waiting for slot blue");
        assertThat(lastRollbackMessage()).contains("revision 3, a copy of revision 1", "cold");
        Map<String, Object> history = cp.kubernetes().historyAnswer("web");
        assertThat(rows(history)).containsExactly("1 v1 SUPERSEDED", "2 v2 ROLLED_BACK", "3 v1 DEPLOYED");
        assertThat(releases(history).get(2).changeCause()).isEqualTo("v2 leaks memory");
        assertThat(rollbackEvents()).containsExactly(
                "rollback.started from=2 to=1",
                "traffic.switched slot=blue",
                "rollback.succeeded from=2 to=1 warm=false");

        cluster.clearCalls();
        DeployResult forward = coldRollback(2, null);

        assertThat(forward.release().revision() + " " + forward.release().version()).isEqualTo("4 v2");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.image("web-green")).as("revision 2's template, from slot green's ReplicaSet")
                .isEqualTo("shop/web:v2");
        assertThat(cluster.replicas("web-blue")).isZero();
        assertThat(rows(cp.kubernetes().historyAnswer("web"))).containsExactly("1 v1 SUPERSEDED",
                "2 v2 ROLLED_BACK", "3 v1 ROLLED_BACK", "4 v2 DEPLOYED");
    }

    @Test
    void anUnknownRevisionIsNotFoundAndChangesNothing() throws Exception {
        promotedAndScaledDown("v2");
        cluster.clearCalls();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", 7, null, "carol"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
                    assertThat(e.getMessage()).contains("no revision 7", "[1, 2]", "deployguard history web");
                });
        assertThat(cluster.writes()).isEmpty();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cp.store().currentLock("web")).isEmpty();
        assertThatThrownBy(() -> cp.kubernetes().rollback("web", 2, null, "carol"))
                .isInstanceOfSatisfying(DeployGuardException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT));
    }

    @Test
    void anOlderRevisionOfTheOwnDeploymentIsRestartedFromItsReplicaSetAndRefusedOnceThatIsGone() throws Exception {
        editOwnImage("shop/web:v1b", "2");
        promotedAndScaledDown("v2");
        assertThat(rows(cp.kubernetes().historyAnswer("web")))
                .containsExactly("1 v1 SUPERSEDED", "2 v1b SUPERSEDED", "3 v2 DEPLOYED");

        DeployResult back = coldRollback(1, null);

        assertThat(back.release().revision() + " " + back.release().version()).isEqualTo("4 v1");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "blue"));
        assertThat(cluster.image("web-blue")).as("revision 1's template, from the own Deployment's ReplicaSet")
                .isEqualTo("shop/web:v1");
        assertThat(cluster.image("web")).as("the own Deployment keeps running what it ran").isEqualTo("shop/web:v1b");

    }

    @Test
    void aRevisionWhoseReplicaSetIsGoneIsRefusedWithTheDeployToRun() throws Exception {
        promotedAndScaledDown("v2");
        kube.deploy("v3");
        promoteAndEnd("blue");
        kube.deploy("v4");
        promoteAndEnd("green");
        // revisionHistoryLimit pruned slot green's ReplicaSet of v2 (revision 2).
        cluster.client().apps().replicaSets().inNamespace(NS).withLabel(SLOT, "green").list().getItems().stream()
                .filter(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()
                        .equals("shop/web:v2"))
                .forEach(rs -> cluster.client().resource(rs).delete());
        cluster.clearCalls();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", 2, null, "carol"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
                    assertThat(e.getMessage()).contains("revision 2 (v2)", "deployguard deploy web --version v2");
                });
        assertThat(cluster.writes()).as("nothing written, users stay on revision 4").isEmpty();
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cp.store().events("web", 0, null, 500)).extracting(Event::kind).last()
                .isEqualTo("rollback.failed");
    }

    @Test
    void beforeAnyBlueGreenDeployTheAppsOwnDeploymentIsRolledBackAsBefore() throws Exception {
        editOwnImage("shop/web:v1b", "2");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(back.message()).contains("revision 1");
        assertThat(cluster.selector("web")).as("no slot is involved").isEqualTo(Map.of("app", "web"));
        assertThat(cluster.deployment("web-blue")).isNull();
    }

    /** Changes the own Deployment's image by hand (as kubectl set image) and waits for its revision. */
    private void editOwnImage(String image, String revision) {
        cluster.client().apps().deployments().inNamespace(NS).withName("web").edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            return d;
        });
        kube.await("the own Deployment to roll out " + image, () -> cluster.deployment("web").getMetadata()
                .getAnnotations().getOrDefault("deployment.kubernetes.io/revision", "").equals(revision)
                && cluster.settled("web") && cluster.ready("web") == 3);
    }

    /** Promotes the rollout in progress and lets its scale-down delay pass; {@code slot} then serves alone. */
    private void promoteAndEnd(String slot) {
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        kube.await("the rollout to end", () -> cp.store().activeRollout("web").isEmpty());
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, slot));
    }

    /** Deploys {@code version}, promotes it, and lets the scale-down delay end the rollout (old slot at 0). */
    private void promotedAndScaledDown(String version) {
        kube.deploy(version);
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        kube.await("the scale-down delay to end the rollout", () -> cp.store().activeRollout("web").isEmpty());
        assertThat(cluster.replicas("web-blue")).isZero();
        kube.await("the controller to scale slot blue down",
                () -> cluster.settled("web-blue") && cluster.ready("web-blue") == 0);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
    }

    /**
     * A rollback to a scaled-down slot: the request answers while the slot starts; the runner's ticks switch users
     * once it has rolled out (the simulated controller makes it ready).
     */
    private DeployResult coldRollback(Integer to, String reason) {
        DeployResult answer = cp.kubernetes().rollback("web", to, reason, "carol");
        assertThat(answer.message()).contains("preparing: waiting for slot");
        kube.await("the cold rollback to end", () -> cp.store().activeRollout("web").isEmpty());
        return answer;
    }

    private String lastRollbackMessage() {
        return cp.store().events("web", 0, null, 500).stream().filter(e -> e.kind().startsWith("rollback."))
                .reduce((a, b) -> b).orElseThrow().message();
    }

    private List<String> serviceWrites() {
        return cluster.writes().stream().filter(w -> w.contains("/services/")).toList();
    }

    /** The rollback's events with their from/to (or slot) data, oldest first. */
    private List<String> rollbackEvents() {
        return cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().startsWith("rollback.") || e.kind().equals("traffic.switched")
                        && e.actor().equals("carol"))
                .map(KubernetesBlueGreenRollbackTest::describe).toList();
    }

    private static String describe(Event e) {
        Map<String, Object> d = e.data();
        if (e.kind().equals("traffic.switched")) {
            return e.kind() + " slot=" + d.get("slot");
        }
        return e.kind() + " from=" + d.get("from") + " to=" + d.get("to")
                + (d.containsKey("warm") ? " warm=" + d.get("warm") : "");
    }
}
