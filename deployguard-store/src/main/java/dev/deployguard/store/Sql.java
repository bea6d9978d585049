package dev.deployguard.store;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbc.JdbcConnection;

/** The JDBC plumbing the store's tables share: one transaction per unit of work, and UTC timestamps. */
final class Sql {
    /**
     * The database file in H2's "Writing to async:/path/deployguard.mv.db failed; length ..." and in its "Database
     * may be already in use: "async:/path/deployguard.mv.db"" (what the reopen after a failed write answers while
     * the store that failed still holds the file).
     */
    private static final Pattern WRITING =
            Pattern.compile("(?:Writing to |in use: \")(?:async:|file:|nio:)?([^\"\\s]+)");
    /** Less than this free beside the database file, and a failed statement is put down to a full disk. */
    private static final long NEARLY_FULL = 1024 * 1024;
    /** The file part of an embedded H2 URL: jdbc:h2:[async:|file:|nio:]PATH[;SETTINGS]. */
    private static final Pattern H2_FILE = Pattern.compile("^jdbc:h2:(?:(?:async|file|nio):)?([/.~][^;]*)");
    /** Free bytes a commit to H2 must leave: room for a few chunks of the store's small transactions. */
    static final long RESERVE = 256 * 1024;
    /** More than the pool's eight connections, each of which may answer "closed" once after H2 closed its store. */
    private static final int REOPEN_ATTEMPTS = 12;

    private Sql() {
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. On a {@link
     * FencedDataSource} the leader's fencing epoch is checked in the same transaction, just before the commit. A
     * unit of work that failed before its commit because H2 is reopening (see {@link #reopening}) runs again on a
     * fresh connection.
     */
    static <T> T tx(DataSource dataSource, Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            Connection c = null;
            boolean committed = false;
            try {
                c = dataSource.getConnection();
                c.setAutoCommit(false);
                T result = work.run(c);
                if (dataSource instanceof FencedDataSource fenced) {
                    fenced.check(c);
                }
                refuseIfTheDiskIsFull(c);
                c.commit();
                committed = true;
                giveBack(dataSource, c);
                return result;
            } catch (SQLException | RuntimeException e) {
                // A connection to a store H2 closed is never rolled back or closed: that can spin for ever (H2Pool).
                boolean setAside = c != null && H2Pool.setAsideIfClosed(dataSource, c);
                if (c != null && !setAside && !committed) {
                    setAside = rollBackAndClose(dataSource, c, e);
                }
                if (!(e instanceof SQLException sql)) {
                    throw (RuntimeException) e;
                }
                if (!committed && attempt < REOPEN_ATTEMPTS && (setAside || reopening(sql))) {
                    LockSupport.parkNanos(20_000_000L);
                    continue;
                }
                throw new DeployGuardException(ExitCode.FAILURE, diskFull(sql).orElse("state database error: "
                        + sql.getMessage()), sql);
            }
        }
    }

    /** After a commit: the connection back to the pool; a failure to do so does not undo what was committed. */
    private static void giveBack(DataSource dataSource, Connection c) {
        if (H2Pool.setAsideIfClosed(dataSource, c)) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // Committed already; the pool drops a connection it cannot take back.
        }
    }

    /**
     * Rolls back and gives the connection back; true if it was set aside instead, because the rollback itself made H2
     * close its store: undoing changes writes, and on a full disk that write fails (FullDiskIT's second thread dump:
     * the pool's own ROLLBACK on give-back then spun in registerVersionUsage).
     */
    private static boolean rollBackAndClose(DataSource dataSource, Connection c, Exception cause) {
        boolean storeFailed = false;
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
            storeFailed = dataSource instanceof H2Pool && (diskFull(e).isPresent() || reopening(e));
        }
        if (storeFailed ? H2Pool.setAside(dataSource, c) : H2Pool.setAsideIfClosed(dataSource, c)) {
            return true;
        }
        try {
            c.close();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
        return false;
    }

    /**
     * Before H2 writes a commit to a disk that has no room for it: H2 meeting ENOSPC in a write closes its store
     * ("panic") and reopens it on the next connection, a path on which H2 has known hangs (its issues 1672, 3421)
     * and on which one CI run of FullDiskIT never answered a deploy. So a transaction with changes is rolled back
     * here, with the full-disk message, while fewer than {@link #RESERVE} bytes are free beside the database file;
     * reads go on. (A disk that fills between this check and the write still meets H2's own handling above.)
     */
    static void refuseIfTheDiskIsFull(Connection c) throws SQLException {
        if (!c.isWrapperFor(JdbcConnection.class)) {
            return; // PostgreSQL reports a full disk itself (53100) and survives it.
        }
        JdbcConnection h2 = c.unwrap(JdbcConnection.class);
        if (!h2.getSession().hasPendingTransaction()) {
            return;
        }
        String url = h2.getMetaData().getURL();
        var file = H2_FILE.matcher(url);
        if (!file.find()) {
            return; // In memory, or a server's database.
        }
        Path database = Path.of(file.group(1) + ".mv.db");
        if (freeBeside(database) < RESERVE) {
            throw new SQLException("No space left on device: fewer than " + RESERVE / 1024 + " KB free beside "
                    + database + "; Writing to " + database + " not attempted", "53100");
        }
    }

    private static long freeBeside(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            return parent == null ? Long.MAX_VALUE : Files.getFileStore(parent).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE; // Cannot tell: let H2 try.
        }
    }

    /**
     * H2 after a write failed (a full disk): it closed its store, the pool's idle connections to it answer "The
     * database has been closed" (90098) once each, and a new connection reopens the file, or answers "Database may
     * be already in use" (90020) while the failed store still holds it; a connection of the failed store repeats its
     * "General error: MVStoreException: Writing to ... failed" (50000). Nothing of the unit of work was committed,
     * so once there is space again it runs on the next connection instead of failing the first caller (FullDiskIT,
     * bench/run faults full-disk).
     */
    private static boolean reopening(SQLException e) {
        return e.getErrorCode() == 90098 || e.getErrorCode() == 90020 || e.getErrorCode() == 90121
                || e.getErrorCode() == 50000 && String.valueOf(e.getMessage()).contains("MVStoreException: Writing to");
    }

    /**
     * The message for a write refused because the disk under the database is full, if that is what {@code e} is:
     * H2 wraps the operating system's "No space left on device" (ENOSPC) under "Writing to FILE failed", and
     * answers "The database has been closed" to the next callers with the same cause; PostgreSQL reports SQLSTATE
     * 53100 (disk_full). The transaction was rolled back, and H2 reopens the database on the next connection, so
     * the store resumes by itself once there is space again (FullDiskIT).
     */
    static Optional<String> diskFull(SQLException e) {
        boolean full = "53100".equals(e.getSQLState());
        String file = null;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            full |= m.contains("No space left on device") || m.contains("Disk quota exceeded");
            var writing = WRITING.matcher(m);
            if (file == null && writing.find()) {
                file = writing.group(1);
            }
        }
        full |= file != null && nearlyFull(file);
        if (!full) {
            return Optional.empty();
        }
        String where = file != null ? "the disk holding " + file : "the database server's disk";
        return Optional.of("the state database cannot write: no space left on " + where
                + " (No space left on device); nothing was changed. Free space on that filesystem: DeployGuard"
                + " resumes by itself once there is room");
    }

    private static boolean nearlyFull(String file) {
        try {
            Path parent = Path.of(file).toAbsolutePath().getParent();
            return parent != null && Files.getFileStore(parent).getUsableSpace() < NEARLY_FULL;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Runs one DELETE (or other update) with positional arguments. */
    static void delete(Connection c, String sql, Object... args) throws SQLException {
        try (var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    static OffsetDateTime time(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
