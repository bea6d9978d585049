package dev.deployguard.store.leader;

import dev.deployguard.leader.Leadership;
import dev.deployguard.store.EpochFence;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which of the control planes sharing a PostgreSQL store leads. Each replica keeps one session of its own and, every
 * retry period, in one transaction: tries the session advisory lock, reads the lease row {@code FOR UPDATE} and
 * compares its {@code expires_at} with the database's {@code clock_timestamp()} (no replica's clock is trusted). A
 * leader renews with {@code UPDATE ... WHERE holder = ? AND epoch = ?}; zero rows means another replica took over and
 * this one stops at once. A candidate takes over when the lease expired, or at once when it got the advisory lock
 * and the holder's lease session is gone from {@code pg_stat_activity}: the server frees that lock only when the
 * holder's session ended (crash, kill -9). A takeover raises the epoch, which the {@link EpochFence} then demands of every state change, and ends the
 * previous holder's lease session so its advisory lock goes too. Like client-go's elector (and
 * deployguard-kubernetes' ControlPlaneLeadership), a leader that could not renew for the renew deadline stops
 * leading before its lease can run out for the others.
 */
public final class PostgresLeadership implements Leadership {
    /** The advisory lock's key: "DeployGuard" in its first 8 bytes' spirit, distinct from Flyway's. */
    private static final long LOCK_KEY = 0x4465706c6f79L;

    /**
     * Timing of the election.
     *
     * @param leaseDuration how long the lease holds without renewal, by the database's clock
     * @param renewDeadline how long the leader keeps trying to renew before it stops leading
     * @param retryPeriod how often the leader renews and candidates try
     */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        public Timing {
            if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("need retryPeriod < renewDeadline < leaseDuration, got "
                        + retryPeriod + " / " + renewDeadline + " / " + leaseDuration);
            }
        }
    }

    private final String url;
    private final Properties login = new Properties();
    private final String lease;
    private final String identity;
    private final Timing timing;
    private final EpochFence fence;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "leader-election-postgres");
        t.setDaemon(true);
        return t;
    });
    private Connection session;
    private boolean holdsLock;
    private long epoch = -1;
    private volatile long renewedAt;
    private volatile String leader;
    private volatile String whyStopped = "shutting down";
    private Runnable onStarted;
    private Runnable onStopped;

    public PostgresLeadership(String url, String user, String password, String lease, String identity, Timing timing,
                              EpochFence fence) {
        this.url = Objects.requireNonNull(url, "url");
        if (user != null) {
            login.setProperty("user", user);
        }
        if (password != null) {
            login.setProperty("password", password);
        }
        login.setProperty("connectTimeout", "5");
        login.setProperty("socketTimeout", String.valueOf(Math.max(1, timing.renewDeadline().toSeconds())));
        this.lease = Objects.requireNonNull(lease, "lease");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.timing = Objects.requireNonNull(timing, "timing");
        this.fence = Objects.requireNonNull(fence, "fence");
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public String recordedIn() {
        return "the holder of lease '" + lease + "' in the store";
    }

    /** The fencing epoch this replica leads under, or -1. */
    public long epoch() {
        return leading.get() ? epoch : -1;
    }

    @Override
    public String whyStopped() {
        return whyStopped;
    }

    @Override
    public void start(Runnable onStartedLeading, Runnable onStoppedLeading) {
        this.onStarted = Objects.requireNonNull(onStartedLeading, "onStartedLeading");
        this.onStopped = Objects.requireNonNull(onStoppedLeading, "onStoppedLeading");
        loop.execute(() -> {
            while (!closed.get()) {
                try {
                    roundWithFreshSessionOnFailure();
                } catch (SQLException e) {
                    closeSession();
                    if (leading.get() && !renewedInTime()) {
                        stop("no renewal of lease '" + lease + "' succeeded for " + timing.renewDeadline()
                                + " (" + e.getMessage() + ")");
                    }
                }
                try {
                    Thread.sleep(timing.retryPeriod().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /**
     * A round, tried once more on a new session if the first failed: the session may have been ended by a replica
     * that took over while this one was paused, and the lease row (not a broken connection) says what happened.
     */
    private void roundWithFreshSessionOnFailure() throws SQLException {
        try {
            round();
        } catch (SQLException first) {
            closeSession();
            round();
        }
    }

    private void round() throws SQLException {
        Connection c = session();
        if (!holdsLock) {
            try (var ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, LOCK_KEY);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    holdsLock = rs.getBoolean(1);
                }
            }
        }
        if (leading.get()) {
            renew(c);
        } else {
            stand(c);
        }
    }

    private void renew(Connection c) throws SQLException {
        long sent = System.nanoTime();
        int renewed;
        try (var ps = c.prepareStatement("UPDATE control_plane_lease SET renewed_at = clock_timestamp(),"
                + " expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond' WHERE name = ? AND holder = ?"
                + " AND epoch = ?")) {
            ps.setLong(1, timing.leaseDuration().toMillis());
            ps.setString(2, lease);
            ps.setString(3, identity);
            ps.setLong(4, epoch);
            renewed = ps.executeUpdate();
        }
        c.commit();
        if (renewed == 1) {
            renewedAt = sent;
            return;
        }
        Row now = read(c);
        c.commit();
        leader = now == null ? null : now.holder;
        stop("its lease renewal was refused by the fencing epoch: it led under epoch " + epoch + ", the lease '"
                + lease + "' is now " + (now == null ? "gone" : "at epoch " + now.epoch + ", held by " + now.holder));
    }

    private void stand(Connection c) throws SQLException {
        Row row = read(c);
        // The advisory lock alone is no proof: a replica that took over by expiry may not hold it yet. It is, together
        // with the holder's lease session being gone from pg_stat_activity (crash, kill -9, session ended).
        boolean take = row == null || row.expired || row.holder.equals(identity) || holdsLock && !row.holderAlive;
        if (!take) {
            c.commit();
            leader = row.holder;
            return;
        }
        long sent = System.nanoTime();
        long won;
        if (row == null) {
            try (var ps = c.prepareStatement("INSERT INTO control_plane_lease (name, holder, epoch, holder_pid,"
                    + " acquired_at, renewed_at, expires_at) VALUES (?, ?, 1, pg_backend_pid(), clock_timestamp(),"
                    + " clock_timestamp(), clock_timestamp() + ? * INTERVAL '1 millisecond')"
                    + " ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, lease);
                ps.setString(2, identity);
                ps.setLong(3, timing.leaseDuration().toMillis());
                if (ps.executeUpdate() == 0) {
                    c.rollback(); // another replica inserted it first: it leads
                    return;
                }
            }
            won = 1;
        } else {
            try (var ps = c.prepareStatement("UPDATE control_plane_lease SET holder = ?, epoch = epoch + 1,"
                    + " holder_pid = pg_backend_pid(), acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),"
                    + " expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond' WHERE name = ? RETURNING epoch")) {
                ps.setString(1, identity);
                ps.setLong(2, timing.leaseDuration().toMillis());
                ps.setString(3, lease);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    won = rs.getLong(1);
                }
            }
        }
        c.commit();
        if (row != null && row.pid != null && row.holderAlive) {
            endSession(c, row.pid);
        }
        epoch = won;
        renewedAt = sent;
        leader = identity;
        fence.claim(won);
        leading.set(true);
        onStarted.run();
    }

    /** Ends the previous holder's lease session (it paused past its lease): its advisory lock is freed with it. */
    private void endSession(Connection c, int pid) {
        try (var ps = c.prepareStatement("SELECT pg_terminate_backend(?) FROM pg_stat_activity WHERE pid = ?"
                + " AND pid <> pg_backend_pid()")) {
            ps.setInt(1, pid);
            ps.setInt(2, pid);
            ps.executeQuery().close();
            c.commit();
        } catch (SQLException e) {
            // Not allowed (another database role): the lock is then freed when that session ends by itself.
        }
    }

    private record Row(String holder, long epoch, Integer pid, boolean expired, boolean holderAlive) {
    }

    private Row read(Connection c) throws SQLException {
        try (var ps = c.prepareStatement("SELECT holder, epoch, holder_pid, expires_at <= clock_timestamp() AS expired,"
                + " EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.holder_pid) AS alive"
                + " FROM control_plane_lease l WHERE name = ? FOR UPDATE OF l")) {
            ps.setString(1, lease);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                int pid = rs.getInt("holder_pid");
                return new Row(rs.getString("holder"), rs.getLong("epoch"), rs.wasNull() ? null : pid,
                        rs.getBoolean("expired"), rs.getBoolean("alive"));
            }
        }
    }

    private Connection session() throws SQLException {
        if (session == null || session.isClosed()) {
            holdsLock = false;
            session = DriverManager.getConnection(url, login);
            try (var st = session.createStatement()) {
                // A takeover waits at most a retry period for a paused leader's in-flight write, then tries again.
                st.execute("SET lock_timeout = " + Math.max(1, timing.retryPeriod().toMillis()));
            }
            session.setAutoCommit(false);
        }
        return session;
    }

    private void closeSession() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // Closing a broken connection: nothing to do.
            }
            session = null;
            holdsLock = false;
        }
    }

    private void stop(String why) {
        fence.release();
        if (!leading.getAndSet(false)) {
            return;
        }
        whyStopped = why;
        System.err.println("deployguard: replica " + identity + " stopped leading: " + why);
        if (session != null) {
            try (var st = session.createStatement()) {
                st.execute("SELECT pg_advisory_unlock_all()");
                session.commit();
                holdsLock = false;
            } catch (SQLException e) {
                closeSession();
            }
        }
        onStopped.run();
    }

    @Override
    public boolean isLeader() {
        return leading.get() && renewedInTime();
    }

    private boolean renewedInTime() {
        return System.nanoTime() - renewedAt < timing.renewDeadline().toNanos();
    }

    @Override
    public String currentLeader() {
        return leader;
    }

    /**
     * Stops standing and leading. The lease is not released, so another replica takes over once it expires, or at
     * once through the advisory lock freed with this session.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(timing.leaseDuration().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leading.get()) {
            whyStopped = "shutting down";
            fence.release();
            leading.set(false);
            if (onStopped != null) {
                onStopped.run();
            }
        }
        closeSession();
    }
}
