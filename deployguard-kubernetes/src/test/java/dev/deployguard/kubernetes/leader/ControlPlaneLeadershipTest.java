package dev.deployguard.kubernetes.leader;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.traffic.CrudApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlPlaneLeadershipTest {
    private static final ControlPlaneLeadership.Timing FAST = new ControlPlaneLeadership.Timing(
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(250));

    private CrudApiServer api;
    private final List<ControlPlaneLeadership> replicas = new ArrayList<>();

    /** One control-plane replica: its own client, its work counted by the callbacks. */
    private final class Replica {
        final KubernetesClient client = api.newClient();
        final ControlPlaneLeadership leadership;
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger stopped = new AtomicInteger();
        volatile long startedAt;
        volatile long stoppedAt;

        Replica(String identity) {
            leadership = new ControlPlaneLeadership(client, "deployguard", "deployguard-control-plane",
                    identity, FAST);
            replicas.add(leadership);
            leadership.start(() -> {
                startedAt = System.nanoTime();
                started.incrementAndGet();
            }, () -> {
                stoppedAt = System.nanoTime();
                stopped.incrementAndGet();
            });
        }
    }

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
    }

    @AfterEach
    void stopAll() {
        replicas.forEach(ControlPlaneLeadership::close);
        api.close();
    }

    @Test
    void exactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderStopsRenewing() {
        Replica a = new Replica("replica-a");
        Replica b = new Replica("replica-b");
        await(Duration.ofSeconds(10), () -> a.leadership.isLeader() || b.leadership.isLeader());
        Replica leader = a.leadership.isLeader() ? a : b;
        Replica follower = leader == a ? b : a;
        assertThat(follower.leadership.isLeader()).isFalse();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.leadership.identity());
        await(Duration.ofSeconds(5), () -> leader.leadership.identity().equals(follower.leadership.currentLeader()));

        long stoppedAt = System.nanoTime();
        leader.leadership.close();

        assertThat(leader.stopped.get()).isEqualTo(1);
        assertThat(leader.leadership.isLeader()).isFalse();
        await(Duration.ofSeconds(10), follower.leadership::isLeader);
        Duration handover = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertThat(follower.started.get()).isEqualTo(1);
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(follower.leadership.identity());
        // The lease was not released: the follower had to wait for it to run out, as after a crash.
        assertThat(handover).isGreaterThan(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void aLeaderCutOffFromTheApiServerStopsBeforeTheOtherTakesOver() {
        Replica a = new Replica("replica-a");
        await(Duration.ofSeconds(10), a.leadership::isLeader);
        Replica b = new Replica("replica-b");
        await(Duration.ofSeconds(5), () -> "replica-a".equals(b.leadership.currentLeader()));

        // Its renewals can no longer go through; fabric8 alone did not end its leadership here, the watchdog does.
        long cut = System.nanoTime();
        a.client.close();

        await(FAST.renewDeadline().plus(Duration.ofSeconds(2)), () -> a.stopped.get() == 1);
        assertThat(a.leadership.isLeader()).isFalse();
        await(Duration.ofSeconds(10), b.leadership::isLeader);
        assertThat(a.stoppedAt).isLessThan(b.startedAt);
        assertThat(Duration.ofNanos(a.stoppedAt - cut)).isLessThanOrEqualTo(FAST.renewDeadline()
                .plus(FAST.retryPeriod()));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-b");
    }

    @Test
    void aLeaderThatLosesTheLeaseStopsItsWorkAndStandsAgain() {
        Replica a = new Replica("replica-a");
        await(Duration.ofSeconds(10), a.leadership::isLeader);

        // Someone else takes the lease (an operator, a partitioned replica coming back): a can no longer renew.
        KubernetesClient intruder = api.newClient();
        await(Duration.ofSeconds(10), () -> {
            Lease lease = lease();
            lease.getSpec().setHolderIdentity("intruder");
            lease.getSpec().setRenewTime(ZonedDateTime.now());
            lease.getSpec().setAcquireTime(ZonedDateTime.now());
            try {
                intruder.resource(lease).update();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                return false; // a renews between our read and write; read again
            }
        });

        await(Duration.ofSeconds(10), () -> a.stopped.get() == 1);
        assertThat(a.leadership.isLeader()).isFalse();
        // The intruder never renews: once its lease runs out, a (standing again as a candidate) leads again.
        await(Duration.ofSeconds(15), () -> a.started.get() == 2 && a.leadership.isLeader());
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("replica-a");
    }

    @Test
    void theDefaultIdentityNamesHostAndProcess() {
        assertThat(ControlPlaneLeadership.defaultIdentity()).endsWith("_" + ProcessHandle.current().pid())
                .doesNotStartWith("_");
    }

    private Lease lease() {
        return api.newClient().resources(Lease.class).inNamespace("deployguard")
                .withName("deployguard-control-plane").get();
    }
}
