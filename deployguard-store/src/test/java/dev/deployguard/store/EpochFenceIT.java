package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.event.Event;
import dev.deployguard.store.leader.PostgresLeadership;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fencing epoch on a real PostgreSQL 15: a store acting under an epoch the lease has moved past is refused inside
 * the same transaction and nothing of it is written; and two {@link PostgresLeadership}s on one database elect one
 * leader and hand over at once, through the advisory lock, when the leader's session ends. Neither Argo Rollouts nor
 * Flagger fences a stale controller; the pattern is Kleppmann's fencing token ("How to do distributed locking", 2016)
 * with the database as the storage that checks it.
 */
class EpochFenceIT {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    static PostgresServer pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void emptySchema() throws Exception {
        try (var c = DriverManager.getConnection(pg.url(), "postgres", "");
             var s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
    }

    @Test
    void aWriterUnderAStaleEpochIsRefusedInTheSameTransactionAndNothingIsWritten() throws Exception {
        EpochFence fence = new EpochFence("cp");
        try (JdbcStore store = JdbcStore.openFenced(pg.url(), "postgres", null, fence)) {
            // given the lease moved on to epoch 2 (another replica took over) while this one still claims epoch 1
            leaseAt(2, "replica-b");
            fence.claim(1);

            // then each kind of state change is refused, naming both epochs, and leaves nothing behind
            assertThatThrownBy(() -> store.createRelease(StoreContract.draft("web", "v1")))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("acts under epoch 1")
                    .hasMessageContaining("at epoch 2, held by replica-b")
                    .hasMessageContaining("nothing of it was written");
            assertThatThrownBy(() -> store.lock("web", "deploy", "cp-1", "alice", T0))
                    .isInstanceOf(FencedException.class);
            assertThatThrownBy(() -> store.append(Event.of(T0, "web", 1, "system", "rollout.step", "step 1")))
                    .isInstanceOf(FencedException.class);
            assertThat(store.history("web")).isEmpty();
            assertThat(store.currentLock("web")).isEmpty();
            assertThat(store.events("web", 0, null, 100)).isEmpty();
            assertThat(rows("SELECT count(*) FROM releases")).isZero();
            assertThat(fence.refusals()).isEqualTo(3);

            // and reads are served whatever the epoch
            assertThat(store.apps()).isEmpty();

            // when this replica wins the current epoch, the same writes go through
            fence.claim(2);
            assertThat(store.createRelease(StoreContract.draft("web", "v1")).revision()).isEqualTo(1);
            store.lock("web", "deploy", "cp-1", "alice", T0);
            assertThat(store.currentLock("web")).isPresent();
        }
    }

    @Test
    void aFollowerMayRecordEventsButNotChangeState() throws Exception {
        EpochFence fence = new EpochFence("cp");
        try (JdbcStore store = JdbcStore.openFenced(pg.url(), "postgres", null, fence)) {
            leaseAt(1, "replica-a");
            // no claim: a follower
            store.append(Event.of(T0, null, null, "system", "control-plane.started", "replica b started"));
            assertThat(store.events(null, 0, null, 100)).hasSize(1);
            assertThatThrownBy(() -> store.createRelease(StoreContract.draft("web", "v1")))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("this control plane does not lead");
            assertThat(rows("SELECT count(*) FROM releases")).isZero();
        }
    }

    @Test
    @SuppressWarnings("try") // a resource held open for the block's duration (or closed on purpose inside it)
    void twoReplicasElectOneLeaderAndTheFollowerTakesOverAtOnceWhenTheLeadersSessionEnds() throws Exception {
        // A lease of 60 s: a takeover within seconds proves it came from the advisory lock, not the lease's expiry.
        var timing = new PostgresLeadership.Timing(Duration.ofSeconds(60), Duration.ofSeconds(2),
                Duration.ofMillis(200));
        EpochFence fenceA = new EpochFence("cp");
        EpochFence fenceB = new EpochFence("cp");
        AtomicInteger startedB = new AtomicInteger();
        AtomicInteger stoppedA = new AtomicInteger();
        try (JdbcStore storeA = JdbcStore.openFenced(pg.url(), "postgres", null, fenceA);
             JdbcStore storeB = JdbcStore.openFenced(pg.url(), "postgres", null, fenceB);
             var a = new PostgresLeadership(pg.url(), "postgres", null, "cp", "replica-a", timing, fenceA);
             var b = new PostgresLeadership(pg.url(), "postgres", null, "cp", "replica-b", timing, fenceB)) {
            a.start(() -> { }, stoppedA::incrementAndGet);
            await(Duration.ofSeconds(10), a::isLeader);
            b.start(startedB::incrementAndGet, () -> { });
            await(Duration.ofSeconds(10), () -> "replica-a".equals(b.currentLeader()));
            assertThat(b.isLeader()).isFalse();
            assertThat(a.epoch()).isEqualTo(1);
            storeA.createRelease(StoreContract.draft("web", "v1"));

            // when the leader's session ends (as on kill -9: the server frees its advisory lock)
            long before = System.nanoTime();
            a.close();
            await(Duration.ofSeconds(10), b::isLeader);

            // then the follower leads under a raised epoch long before the 60 s lease ran out, and the old one's
            // fence no longer admits its state changes
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(10));
            assertThat(b.epoch()).isEqualTo(2);
            assertThat(startedB).hasValue(1);
            assertThat(stoppedA).hasValue(1);
            assertThat(rows("SELECT epoch FROM control_plane_lease WHERE name = 'cp'")).isEqualTo(2);
            assertThatThrownBy(() -> storeA.createRelease(StoreContract.draft("web", "v2")))
                    .isInstanceOf(FencedException.class);
            fenceA.claim(1); // even a replica that missed the news and still claims epoch 1
            assertThatThrownBy(() -> storeA.createRelease(StoreContract.draft("web", "v2")))
                    .isInstanceOf(FencedException.class).hasMessageContaining("at epoch 2, held by replica-b");
            assertThat(storeB.createRelease(StoreContract.draft("web", "v2")).revision()).isEqualTo(2);
            assertThat(storeB.history("web")).extracting(r -> r.version()).containsExactlyInAnyOrder("v1", "v2");
        }
    }

    private static void leaseAt(long epoch, String holder) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
             var ps = c.prepareStatement("INSERT INTO control_plane_lease (name, holder, epoch, acquired_at,"
                     + " renewed_at, expires_at) VALUES ('cp', ?, ?, now(), now(), now() + interval '1 hour')")) {
            ps.setString(1, holder);
            ps.setLong(2, epoch);
            ps.executeUpdate();
        }
    }

    private static long rows(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
             var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void await(Duration max, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(20);
        }
    }
}
