package dev.deployguard.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Removes everything the store holds about one app, in one transaction, for {@code deployguard delete APP}: its
 * releases, events, rollouts, routes, router, instances and lock. Incidents stay: they are the record of what
 * happened to users, kept beyond the app's own life.
 */
final class AppRecords {
    private static final String[] TABLES = {"releases", "events", "rollouts", "routes", "routers", "instances",
            "locks"};

    private final DataSource dataSource;

    AppRecords(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Store.AppRemoved remove(String app) {
        return Sql.tx(dataSource, c -> new Store.AppRemoved(delete(c, "releases", app), delete(c, "events", app),
                delete(c, "rollouts", app), deleteRest(c, app)));
    }

    private static int deleteRest(Connection c, String app) throws SQLException {
        int n = 0;
        for (int i = 3; i < TABLES.length; i++) {
            n += delete(c, TABLES[i], app);
        }
        return n;
    }

    private static int delete(Connection c, String table, String app) throws SQLException {
        // The table name comes from the constant list above, never from input.
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE app = ?")) {
            ps.setString(1, app);
            return ps.executeUpdate();
        }
    }
}
