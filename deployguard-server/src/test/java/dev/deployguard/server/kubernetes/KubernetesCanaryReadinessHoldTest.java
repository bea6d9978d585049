package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.rollout.Rollout;
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
 * A canary Deployment that loses readiness during the analysis holds the rollout, as Flagger holds the iteration
 * (fluxcd/flagger @ 215c859619ec0dcda339b8ff2290039d158ad722, pkg/canary/deployment_ready.go IsCanaryReady /
 * isDeploymentReady, checked on each iteration by pkg/controller/scheduler.go): no step moves, the weight stays, and
 * once it has stayed not ready for progressDeadlineSeconds (90 s here, from 1 s: the runner asks at most once a
 * second of its clock) the rollout is rolled back with "progress
 * deadline exceeded"; ready again before, it resumes where it was held (the held time does not count towards the
 * 60 s pause) and is promoted. Flagger counts from the Available condition's lastUpdateTime; DeployGuard from the
 * first tick that saw the canary not ready. Simulated time; the test rolls the cluster's Deployments itself
 * ({@code settle}), and ticks the runner after each advance.
 */
class KubernetesCanaryReadinessHoldTest {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(START);
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;
    private Rollout beforeHold;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startHandRolledCanary(dir, "[{setWeight: 20}, {pause: {duration: 60s}}]", 90);
        kube.submit("v2", null);
        cluster.simulator().settle(10);
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);
        cluster.simulator().settle(10);
        cp.rollouts().tick();
        kube.await("the first step on the cluster", () -> cluster.canaryIngress() != null && "2000".equals(
                cluster.canaryIngress().getMetadata().getAnnotations().get(WEIGHT)));
        assertThat(cp.rollouts().held("web")).isEmpty();
        // The test alone ticks the runner (the fixture's control plane has no loops in simulated time), each time at
        // the instant it means: a loop's tick on its own thread between the canary's loss of readiness and tickAt(1 s)
        // began the hold at 0 s (a CI run under load: "serves again after 52s", not 51s).
    }

    private void tickAt(Duration sinceStart) {
        kube.tickAt(START.plus(sinceStart));
    }

    /** The canary's pods stop being ready (no ProgressDeadlineExceeded condition: Flagger would hold too). */
    private void canaryLosesReadiness() {
        beforeHold = kube.active().orElseThrow();
        cluster.simulator().outcome("shop", "web-canary", ClusterSimulator.Outcome.STALLED);
        cluster.simulator().settle(10);
        assertThat(cluster.deployment("web-canary").getStatus().getAvailableReplicas()).isZero();
        tickAt(Duration.ofSeconds(1)); // the runner asks at most once a second of its clock
        kube.await("the rollout.held event", () -> !kube.events("rollout.held").isEmpty());
    }

    private void assertHeldAtTheFirstStep() {
        Rollout r = kube.active().orElseThrow();
        assertThat(r.stepIndex()).as("no step moved").isEqualTo(beforeHold.stepIndex());
        assertThat(r.stepStartedAt()).isEqualTo(beforeHold.stepStartedAt());
        assertThat(r.weight()).isEqualTo(2000);
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        assertThat(cp.rollouts().held("web")).get().asString().contains("the canary deployment of shop/web",
                "0 of 1 (readyThreshold 100%) updated replicas are available");
    }

    @Test
    void aCanaryThatLosesReadinessMidAnalysisIsHeldThenRolledBackAtExactlyTheProgressDeadline() {
        canaryLosesReadiness();
        Event held = kube.events("rollout.held").get(0);
        assertThat(held.message()).contains("rollout held at canary weight 20%", "waiting for the canary deployment",
                "no check is counted", "rolled back at " + START.plusSeconds(91));

        tickAt(Duration.ofSeconds(62));
        assertHeldAtTheFirstStep(); // past the 60 s pause: it would have moved on, had it not been held
        tickAt(Duration.ofSeconds(90));
        assertHeldAtTheFirstStep();
        assertThat(kube.events("rollout.held")).as("recorded once, when the hold began").hasSize(1);

        tickAt(Duration.ofSeconds(91));

        kube.await("the rollout to end", () -> {
            cluster.simulator().step();
            cp.rollouts().tick();
            return kube.active().isEmpty();
        });
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(done.outcome()).contains("progress deadline exceeded", "held since " + START.plusSeconds(1),
                "updated replicas are available");
        assertThat(kube.events("rollout.rolled-back")).hasSize(1);
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cp.rollouts().held("web")).isEmpty();
    }

    @Test
    void aCanaryReadyAgainBeforeTheDeadlineResumesWithoutCountingTheHeldTimeAndIsPromoted() {
        canaryLosesReadiness();
        tickAt(Duration.ofSeconds(51));
        assertHeldAtTheFirstStep();

        cluster.simulator().outcome("shop", "web-canary", ClusterSimulator.Outcome.HEALTHY);
        cluster.simulator().settle(10);
        tickAt(Duration.ofSeconds(52));
        kube.await("the rollout.ready-again event", () -> !kube.events("rollout.ready-again").isEmpty());
        assertThat(kube.events("rollout.ready-again").get(0).message()).contains("serves again after 51s");
        assertThat(cp.rollouts().held("web")).isEmpty();
        assertThat(kube.active().orElseThrow().stepStartedAt()).as("the pause's start moved by the 51 s held")
                .isEqualTo(beforeHold.stepStartedAt().plusSeconds(51));

        tickAt(Duration.ofSeconds(110));
        assertThat(kube.active()).as("past the deadline had it been held all along; 59 s into the 60 s pause").get()
                .satisfies(r -> {
                    assertThat(r.phase()).isEqualTo(Rollout.Phase.PROGRESSING);
                    assertThat(r.weight()).isEqualTo(2000);
                });

        tickAt(Duration.ofSeconds(111));
        kube.await("the rollout to be promoted and finish", () -> {
            cluster.simulator().step();
            cp.rollouts().tick();
            return kube.active().isEmpty();
        });
        Rollout done = cp.store().rollouts("web", 1).get(0);
        assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(kube.events("rollout.held")).hasSize(1);
    }
}
