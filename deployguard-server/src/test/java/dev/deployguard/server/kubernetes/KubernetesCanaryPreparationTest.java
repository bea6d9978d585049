package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.testing.SimulatedClock;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preparing a Kubernetes canary is a phase the rollout runner ticks (issue 18 item 1): the deploy request records
 * the rollout and returns; ticks give the stable pods the track label, start the canary Deployment and wait for it
 * to roll out before any weight moves; past the deadline the rollout is rolled back; a restarted control plane goes
 * on preparing. Simulated time (the deadline) and no background controller: the test rolls the cluster's
 * Deployments out itself ({@code settle}), so "not ready yet" is a state the test holds, not a race. Compare Argo
 * Rollouts (argoproj/argo-rollouts, rollout/canary.go): the canary ReplicaSet must be available before the traffic
 * router is given a weight, and progressDeadlineSeconds aborts a rollout that does not progress.
 */
class KubernetesCanaryPreparationTest {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-01T10:00:00Z"));
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster.app().deployment();
        cluster.app().service();
        cluster.app().ingress();
        cluster.simulator().settle(10);
        cp = kube.startControlPlane(dir, ClusterFixture.CANARY, ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
    }

    private DeployResult deploy(String version, Duration timeout) {
        return cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, timeout, "alice", true));
    }

    private Optional<Rollout> active() {
        return cp.store().activeRollout("web");
    }

    private List<String> kinds() {
        return cp.store().events("web", 0, null, 500).stream().map(Event::kind).toList();
    }

    @Test
    void theDeployAnswersAtOnceAndTheTicksStartTheCanaryOnlyOnceItHasRolledOut() {
        DeployResult answer = deploy("v2", null);

        assertThat(answer.message()).contains("canary rollout of v2 (shop/web:v2) preparing: waiting for the canary"
                + " deployment shop/web-canary (shop/web:v2) to roll out", "deployguard status web --watch");
        Rollout r = active().orElseThrow();
        assertThat(r.waiting()).isInstanceOf(Waiting.Preparing.class);
        assertThat(r.weight()).isZero();
        assertThat(cp.store().currentLock("web")).as("the request gave the app lock back").isEmpty();
        assertThat(cluster.canaryIngress()).as("no route before the stable pods carry the track label").isNull();
        assertThatThrownBy(() -> deploy("v3", null)).isInstanceOfSatisfying(DeployGuardException.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY));

        // The stable pods take the label (the controller rolls them out); the tick then starts the canary.
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null
                && cluster.canaryIngress() != null);
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "0");
        assertThat(active().orElseThrow().waiting()).as("the canary has not rolled out: still preparing")
                .isInstanceOf(Waiting.Preparing.class);
        assertThatThrownBy(() -> cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY);
                    assertThat(e.getMessage()).contains("has not started yet", "only abort");
                });

        cluster.simulator().settle(10);
        kube.await("the first step on the cluster", () -> "2000".equals(cluster.canaryIngress().getMetadata()
                .getAnnotations().get(WEIGHT)));

        Rollout started = active().orElseThrow();
        assertThat(started.phase()).isEqualTo(Rollout.Phase.PAUSED);
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        Deployment stable = cluster.deployment("web");
        assertThat(started.stableRevision()).as("renumbered: the track label made a revision of its own")
                .isEqualTo(Integer.parseInt(stable.getMetadata().getAnnotations()
                        .get("deployment.kubernetes.io/revision")));
        assertThat(started.canaryRevision()).isEqualTo(started.stableRevision() + 1);
        assertThat(kinds()).containsSubsequence("rollout.preparing", "rollout.started", "traffic.switched");
    }

    @Test
    void aCanaryThatDoesNotRollOutByTheDeadlineIsRolledBackWithAnEventSayingWhy() {
        cluster.simulator().failImage("shop/web:v9");
        deploy("v9", Duration.ofMinutes(2));
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);
        cluster.simulator().settle(10);
        assertThat(active().orElseThrow().waiting()).isInstanceOf(Waiting.Preparing.class);

        clock.advance(Duration.ofMinutes(2));

        kube.await("the rollout to end", () -> active().isEmpty());
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(done.outcome()).contains("not ready in time", "shop/web-canary", "no traffic was routed to it");
        assertThat(kinds()).contains("rollout.preparation-failed");
        assertThat(cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals("rollout.preparation-failed")).findFirst().orElseThrow().message())
                .contains("gave up preparing revision", "to roll out");
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
    }

    @Test
    void aControlPlaneRestartedMidPreparationGoesOnPreparingAndStartsTheRollout() {
        deploy("v2", null);
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);
        long id = active().orElseThrow().id();

        cp = kube.restartControlPlane(dir);

        assertThat(active().orElseThrow().waiting()).isInstanceOf(Waiting.Preparing.class);
        assertThat(cp.store().events("web", 0, null, 500)).anyMatch(e -> e.kind().equals("rollout.resumed")
                && e.message().contains("resumed preparing"));
        cluster.simulator().settle(10);
        kube.await("the first step after the restart", () -> cluster.canaryIngress() != null && "2000".equals(
                cluster.canaryIngress().getMetadata().getAnnotations().get(WEIGHT)));
        assertThat(active().orElseThrow().weight()).isEqualTo(2000);
        assertThat(active().orElseThrow().id()).as("the same rollout").isEqualTo(id);
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:v2");
    }

    @Test
    void anAbortDuringPreparationRetiresTheCanary() {
        deploy("v2", null);
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
    }
}
