package dev.deployguard.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fencing epoch of a PostgreSQL store shared by several control planes: the epoch of the leader lease this
 * process won ({@link #claim}), checked inside every transaction that wrote something, just before it commits,
 * against the lease row locked {@code FOR SHARE}. A leader that lost its lease while paused (GC, SIGSTOP) or cut off
 * still believes its old epoch; its transaction sees the raised epoch and is rolled back. The row lock orders each
 * write against a takeover: a write either commits before the epoch is raised (and the new leader reads it) or sees
 * the new epoch and is refused. A process that holds no epoch may write only what followers write (events, token
 * use); state tables refuse it.
 */
public final class EpochFence {
    private final String lease;
    private final AtomicLong claimed = new AtomicLong(-1);
    private final AtomicLong refusals = new AtomicLong();

    /** @param lease the name of the lease row (the {@code --lease-name}) */
    public EpochFence(String lease) {
        this.lease = lease;
    }

    public String lease() {
        return lease;
    }

    /** From now on, writes commit only while the lease is at {@code epoch}. */
    public void claim(long epoch) {
        claimed.set(epoch);
    }

    /** This process no longer leads: state tables refuse its writes. */
    public void release() {
        claimed.set(-1);
    }

    /** The epoch this process acts under, if it leads (or believes it does). */
    public OptionalLong claimed() {
        long e = claimed.get();
        return e < 0 ? OptionalLong.empty() : OptionalLong.of(e);
    }

    /** How many transactions this fence refused. */
    public long refusals() {
        return refusals.get();
    }

    /**
     * Throws {@link FencedException} (the caller rolls back) unless the transaction on {@code c} wrote nothing, or
     * this process's epoch is the lease's current one, or it holds none and {@code followersMayWrite}.
     */
    void check(Connection c, boolean followersMayWrite) throws SQLException {
        try (var st = c.createStatement();
             var rs = st.executeQuery("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return; // read only: no transaction id was ever assigned
            }
        }
        long mine = claimed.get();
        if (mine < 0 && followersMayWrite) {
            return;
        }
        try (var ps = c.prepareStatement("SELECT epoch, holder FROM control_plane_lease WHERE name = ? FOR SHARE")) {
            ps.setString(1, lease);
            try (var rs = ps.executeQuery()) {
                boolean found = rs.next();
                if (found && mine >= 0 && rs.getLong("epoch") == mine) {
                    return;
                }
                refusals.incrementAndGet();
                String now = found ? "the lease '" + lease + "' is at epoch " + rs.getLong("epoch") + ", held by "
                        + rs.getString("holder") : "nobody holds the lease '" + lease + "'";
                throw new FencedException("write refused by the fencing epoch: "
                        + (mine < 0 ? "this control plane does not lead" : "this control plane acts under epoch "
                        + mine) + " but " + now + "; the transaction was rolled back and nothing of it was written"
                        + " (send the change to the leader, or retry)");
            }
        }
    }
}
