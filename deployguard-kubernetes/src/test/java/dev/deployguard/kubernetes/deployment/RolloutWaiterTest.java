package dev.deployguard.kubernetes.deployment;

import static dev.deployguard.kubernetes.deployment.Apps.NAME;
import static dev.deployguard.kubernetes.deployment.Apps.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.testing.SimulatedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Waiting for a rollout in simulated time: each pause lets the simulated controller take one step. */
class RolloutWaiterTest {
    private MockCluster cluster;
    private ClusterSimulator simulator;
    private SimulatedClock clock;
    private RolloutWaiter waiter;
    private final List<String> lines = new ArrayList<>();

    @BeforeEach
    void start() {
        cluster = MockCluster.start();
        simulator = new ClusterSimulator(cluster.client());
        clock = new SimulatedClock(Instant.parse("2026-01-01T00:00:00Z"));
        waiter = new RolloutWaiter(cluster.client(), clock, d -> {
            clock.advance(d);
            simulator.step();
        }, Duration.ofSeconds(1));
        Apps.withRevisions(cluster.client(), simulator, 1);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aHealthyRolloutCompletesWithLiveStatusLines() {
        new DeploymentUpdate(cluster.client()).setImage(NS, NAME, null, "nginx:2", "v2", "alice");

        RolloutStatus s = waiter.await(NS, NAME, Duration.ofMinutes(1), lines::add);

        assertThat(s.state()).isEqualTo(RolloutStatus.State.COMPLETE);
        assertThat(lines).containsExactly(
                "Waiting for deployment spec update to be observed...",
                "Waiting for deployment \"web\" rollout to finish: 0 of 3 updated replicas are available...",
                "deployment \"web\" successfully rolled out");
    }

    @Test
    void progressDeadlineExceededIsAFailure() {
        simulator.outcome(NS, NAME, ClusterSimulator.Outcome.FAILING);
        new DeploymentUpdate(cluster.client()).setImage(NS, NAME, null, "nginx:broken", "v2", "alice");

        RolloutStatus s = waiter.await(NS, NAME, Duration.ofMinutes(1), lines::add);

        assertThat(s.state()).isEqualTo(RolloutStatus.State.FAILED);
        assertThat(s.message()).startsWith("deployment \"web\" exceeded its progress deadline")
                .contains("has timed out progressing");
    }

    @Test
    void aStalledRolloutTimesOutAtOurDeadline() {
        simulator.outcome(NS, NAME, ClusterSimulator.Outcome.STALLED);
        new DeploymentUpdate(cluster.client()).setImage(NS, NAME, null, "nginx:slow", "v2", "alice");

        Instant began = clock.instant();
        RolloutStatus s = waiter.await(NS, NAME, Duration.ofSeconds(30), lines::add);

        assertThat(s.state()).isEqualTo(RolloutStatus.State.TIMED_OUT);
        assertThat(s.message()).contains("did not finish its rollout within PT30S")
                .contains("0 of 3 updated replicas are available");
        assertThat(Duration.between(began, clock.instant())).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void observeFollowsKubectlsOrderOfChecks() {
        var d = Apps.web("nginx:1", "x");
        d.getMetadata().setGeneration(2L);
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withObservedGeneration(2L)
                .withReplicas(4).withUpdatedReplicas(3).withAvailableReplicas(3).build());
        assertThat(RolloutWaiter.observe(d).message())
                .isEqualTo("Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...");
        d.getStatus().setUpdatedReplicas(1);
        assertThat(RolloutWaiter.observe(d).message())
                .isEqualTo("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...");
    }
}
