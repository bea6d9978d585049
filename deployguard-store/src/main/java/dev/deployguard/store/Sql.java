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
import java.util.regex.Pattern;
import javax.sql.DataSource;

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

    private Sql() {
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. */
    static <T> T tx(DataSource dataSource, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DeployGuardException(ExitCode.FAILURE, diskFull(e).orElse("state database error: "
                    + e.getMessage()), e);
        }
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
