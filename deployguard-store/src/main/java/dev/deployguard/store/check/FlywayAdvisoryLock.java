package dev.deployguard.store.check;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * Finds the session holding Flyway's migration lock on PostgreSQL. Flyway takes {@code pg_try_advisory_lock(n)} (or
 * the transaction-scoped variant) with {@code n = 0x466C79776179 ("Flyway") + hashCode of the quoted history table}
 * ({@code "public"."flyway_schema_history"}), see Flyway's {@code PostgreSQLAdvisoryLockTemplate} and
 * {@code PostgreSQLConnection.lock}. PostgreSQL shows a bigint advisory key in {@code pg_locks} split into
 * {@code classid} (high 32 bits) and {@code objid} (low 32 bits) with {@code objsubid = 1}.
 */
final class FlywayAdvisoryLock {
    private static final long MAGIC = (0x46L << 40) + (0x6CL << 32) + (0x79L << 24) + (0x77 << 16) + (0x61 << 8) + 0x79;

    private FlywayAdvisoryLock() {
    }

    /** Who holds the lock: backend pid, client application, since when the current query runs. */
    record Holder(int pid, String application, String clientAddress, OffsetDateTime since) {
        String describe() {
            return "pid " + pid + (application == null || application.isBlank() ? "" : ", application '"
                    + application + "'") + (clientAddress == null ? "" : ", client " + clientAddress)
                    + (since == null ? "" : ", since " + since);
        }
    }

    /** The advisory-lock key Flyway uses for this (schema-qualified) history table. */
    static long key(HistoryTable table) {
        return MAGIC + table.quoted().hashCode();
    }

    static Optional<Holder> holder(Connection c, HistoryTable table, int timeoutSeconds) throws SQLException {
        long key = key(table);
        String sql = "SELECT l.pid, a.application_name, host(a.client_addr), a.query_start"
                + " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ?"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " ORDER BY l.pid LIMIT 1";
        try (var ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setLong(1, key >>> 32);
            ps.setLong(2, key & 0xFFFFFFFFL);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Holder(rs.getInt(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class)));
            }
        }
    }
}
