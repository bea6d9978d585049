package dev.deployguard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.leader.Leadership;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.testing.InMemoryStore;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LeaderWork}'s answers before and during an election, without a cluster: who may change state, what a
 * follower tells the caller, and that closing leaves the election. Adoption and the tickers (run by the election's
 * callbacks) are covered with a real Lease by {@code ControlPlaneLeaderElectionIT}.
 */
class LeaderWorkTest {
    /** An election the test decides: who leads is set by hand; the callbacks are run by {@link #win} and {@link #lose}. */
    static final class HandElection implements Leadership {
        volatile boolean leader;
        volatile String current;
        volatile boolean started;
        volatile boolean closed;
        volatile Runnable onStarted;
        volatile Runnable onStopped;

        @Override
        public String identity() {
            return "replica-a";
        }

        @Override
        public void start(Runnable onStartedLeading, Runnable onStoppedLeading) {
            started = true;
            onStarted = onStartedLeading;
            onStopped = onStoppedLeading;
        }

        /** Wins the lease: the callback hands adoption to the leadership thread, as the real elections do. */
        void win() {
            current = "replica-a";
            leader = true;
            onStarted.run();
        }

        void lose() {
            current = "replica-b";
            leader = false;
            onStopped.run();
        }

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public String currentLeader() {
            return current;
        }

        @Override
        public String recordedIn() {
            return "the test's election";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final InMemoryStore store = new InMemoryStore();
    /** Adoption as the test drives it: it starts, then waits until the test lets it finish. */
    private final CountDownLatch adopting = new CountDownLatch(1);
    private final CountDownLatch finishAdoption = new CountDownLatch(1);
    private final List<String> order = new CopyOnWriteArrayList<>();
    // No loops to run (no background threads; nothing ticks): the tickers' supervisor and rollouts are absent.
    private final Tickers tickers = new Tickers(null, null, null, false);
    private final LeaderWork work = new LeaderWork(store, new EventLog(store, new SimulatedClock(
            Instant.parse("2026-01-01T00:00:00Z"))), "holder-1", Path.of("/state"), () -> {
                adopting.countDown();
                try {
                    finishAdoption.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                order.add("adopted");
            }, tickers);

    @AfterEach
    void leave() {
        work.close();
        tickers.stop(Duration.ofSeconds(1));
    }

    @Test
    void withoutAnElectionItAlwaysLeads() {
        assertThat(work.role()).isEqualTo("single");
        assertThat(work.leads()).isTrue();
        work.requireLeader("deploy"); // does not throw
    }

    @Test
    void aFollowerRefusesChangesAndNamesTheLeader() {
        HandElection election = new HandElection();
        work.start(election);
        assertThat(election.started).isTrue();
        assertThat(store.events(null, 0, null, 100)).anySatisfy(e ->
                assertThat(e.message()).contains("as replica replica-a").contains("leader lease"));

        election.current = "replica-b";
        assertThat(work.role()).isEqualTo("follower");
        assertThat(work.leads()).isFalse();
        assertThatThrownBy(() -> work.requireLeader("deploy"))
                .isInstanceOfSatisfying(NotLeaderException.class, e -> assertThat(e.leader()).isEqualTo("replica-b"))
                .hasMessageContaining("is a follower and does not deploy")
                .hasMessageContaining("the leader is replica-b (the test's election)");

        election.current = null;
        assertThatThrownBy(() -> work.requireLeader("deploy"))
                .isInstanceOfSatisfying(NotLeaderException.class, e -> assertThat(e.leader()).isNull())
                .hasMessageContaining("does not know the current leader");

        election.win();
        finishAdoption.countDown();
        assertThat(work.role()).isEqualTo("leader");
        assertThat(work.leads()).isTrue();
        work.requireLeader("deploy"); // does not throw (once adopted)

        election.leader = false;
        work.close();
        assertThat(election.closed).isTrue();
    }

    /**
     * The lease is won on the election thread and adoption (which resumes the stored rollouts) runs after it: a
     * promote accepted in between was written over by the resume of the rollout as read before it (a
     * PostgresLeaderElectIT run promoted a paused canary on a new leader and it stayed paused). A change waits for
     * this term's adoption.
     */
    @Test
    void aNewLeaderTakesChangesOnlyOnceItHasAdoptedWhatRuns() throws Exception {
        HandElection election = new HandElection();
        work.start(election);
        election.win();
        assertThat(adopting.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(work.role()).as("it leads while it adopts").isEqualTo("leader");

        CompletableFuture<Void> promote = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                work.requireLeader("promote");
                order.add("promote accepted");
                promote.complete(null);
            } catch (RuntimeException e) {
                promote.completeExceptionally(e);
            }
        });
        caller.start();
        // the change waits (on the adoption's monitor, with its deadline) while adoption is under way
        awaitWaiting(caller);
        assertThat(promote).isNotDone();

        finishAdoption.countDown();
        promote.get(10, TimeUnit.SECONDS);
        assertThat(order).containsExactly("adopted", "promote accepted");
        election.leader = false;
    }

    @Test
    void aChangeIsRefusedAsBusyWhenAdoptionTakesTooLongAndAsNotLeaderWhenTheLeaseIsLost() throws Exception {
        HandElection election = new HandElection();
        work.start(election);
        work.adoptionWait(Duration.ofMillis(300));
        election.win();
        assertThat(adopting.await(10, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> work.requireLeader("promote"))
                .isInstanceOfSatisfying(DeployGuardException.class, e ->
                        assertThat(e.exitCode()).isEqualTo(ExitCode.BUSY))
                .hasMessageContaining("has just become the leader and is still adopting what runs")
                .hasMessageContaining("retry in a few seconds");

        // a change waiting when the lease is lost is told who leads now, not left waiting
        work.adoptionWait(Duration.ofSeconds(60));
        CompletableFuture<Void> change = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                work.requireLeader("deploy");
                change.complete(null);
            } catch (RuntimeException e) {
                change.completeExceptionally(e);
            }
        });
        caller.start();
        awaitWaiting(caller);
        election.lose();
        assertThatThrownBy(() -> change.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NotLeaderException.class)
                .hasMessageContaining("the leader is replica-b");
        finishAdoption.countDown();
    }

    /** Until {@code t} waits with a deadline (the change waiting for adoption), or 10 s. */
    private static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("%s waits for adoption", t.getName()).isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
