package dev.deployguard.store;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

/** The JDBC plumbing the store's tables share: one transaction per unit of work, and UTC timestamps. */
final class Sql {
    private Sql() {
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. On a {@link
     * FencedDataSource} the leader's fencing epoch is checked in the same transaction, just before the commit.
     */
    static <T> T tx(DataSource dataSource, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                if (dataSource instanceof FencedDataSource fenced) {
                    fenced.check(c);
                }
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "state database error: " + e.getMessage(), e);
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
