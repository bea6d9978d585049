package dev.deployguard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.leader.Leadership;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.testing.InMemoryStore;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@link LeaderWork}'s answers before and during an election, without a cluster: who may change state, what a
 * follower tells the caller, and that closing leaves the election. Adoption and the tickers (run by the election's
 * callbacks) are covered with a real Lease by {@code ControlPlaneLeaderElectionIT}.
 */
class LeaderWorkTest {
    /** An election the test decides: who leads is set by hand; the callbacks are kept, never run. */
    static final class HandElection implements Leadership {
        volatile boolean leader;
        volatile String current;
        volatile boolean started;
        volatile boolean closed;

        @Override
        public String identity() {
            return "replica-a";
        }

        @Override
        public void start(Runnable onStartedLeading, Runnable onStoppedLeading) {
            started = true;
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
    private final LeaderWork work = new LeaderWork(store, new EventLog(store, new SimulatedClock(
            Instant.parse("2026-01-01T00:00:00Z"))), "holder-1", Path.of("/state"), null, null);

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

        election.leader = true;
        election.current = "replica-a";
        assertThat(work.role()).isEqualTo("leader");
        assertThat(work.leads()).isTrue();
        work.requireLeader("deploy"); // does not throw

        work.close();
        assertThat(election.closed).isTrue();
    }
}
