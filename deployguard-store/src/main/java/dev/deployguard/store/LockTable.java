package dev.deployguard.store;

import static dev.deployguard.store.Sql.instant;
import static dev.deployguard.store.Sql.time;

import dev.deployguard.store.LockStore.AppLock;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The JDBC store's app locks: one operation per app at a time, across control planes sharing the database; each
 * method is one transaction.
 */
final class LockTable {
    private final DataSource dataSource;

    LockTable(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    AppLock lock(String app, String operation, String holder, String actor, Instant now) {
        return tx(c -> {
            Optional<AppLock> existing = currentLock(c, app);
            if (existing.isPresent()) {
                AppLock l = existing.get();
                throw new AppBusyException("app '" + app + "' is busy: " + l.operation() + " by " + l.actor()
                        + " has held its lock since " + l.acquiredAt() + "; wait for it to finish and try again");
            }
            try (var ps = c.prepareStatement("INSERT INTO locks (app, operation, holder, actor, acquired_at)"
                    + " VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, app);
                ps.setString(2, operation);
                ps.setString(3, holder);
                ps.setString(4, actor);
                ps.setObject(5, time(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                // Lost a race with another control plane inserting the same key.
                if (isDuplicateKey(e)) {
                    throw new AppBusyException("app '" + app + "' is busy: another operation took its lock just now;"
                            + " wait for it to finish and try again");
                }
                throw e;
            }
            return new AppLock(app, operation, holder, actor, now);
        });
    }

    private static boolean isDuplicateKey(SQLException e) {
        String state = e.getSQLState();
        return "23505".equals(state) || "23000".equals(state);
    }

    void unlock(AppLock lock) {
        tx(c -> {
            try (var ps = c.prepareStatement("DELETE FROM locks WHERE app = ? AND holder = ? AND operation = ?")) {
                ps.setString(1, lock.app());
                ps.setString(2, lock.holder());
                ps.setString(3, lock.operation());
                ps.executeUpdate();
            }
            return null;
        });
    }

    int releaseLocksNotHeldBy(String holder) {
        return tx(c -> {
            try (var ps = c.prepareStatement("DELETE FROM locks WHERE holder <> ?")) {
                ps.setString(1, holder);
                return ps.executeUpdate();
            }
        });
    }

    Optional<AppLock> currentLock(String app) {
        return tx(c -> currentLock(c, app));
    }

    private Optional<AppLock> currentLock(Connection c, String app) throws SQLException {
        try (var ps = c.prepareStatement("SELECT * FROM locks WHERE app = ?")) {
            ps.setString(1, app);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new AppLock(rs.getString("app"), rs.getString("operation"), rs.getString("holder"),
                        rs.getString("actor"), instant(rs, "acquired_at")));
            }
        }
    }

    private <T> T tx(Sql.Work<T> work) {
        return Sql.tx(dataSource, work);
    }
}
