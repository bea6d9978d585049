package dev.deployguard.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo app's database, when it is given one ({@code DEMO_DB_URL}, {@code DEMO_DB_USER}, {@code DEMO_DB_PASSWORD}):
 * each version reads the columns {@code DEMO_DB_COLUMNS} says it needs, e.g.
 * {@code v1:orders.legacy_status;v3:orders.status} (a version without an entry uses the last entry). A version
 * whose columns are gone is not ready and fails {@code /orders}: the code that breaks on a
 * schema it does not know, which is what a guarded rollback must never put back.
 */
final class DemoDatabase {
    private final String url;
    private final String user;
    private final String password;
    private final String table;
    private final List<String> columns;

    private DemoDatabase(String url, String user, String password, String table, List<String> columns) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.table = table;
        this.columns = columns;
    }

    /** Empty when no database is given. */
    static Optional<DemoDatabase> fromEnv(String version, java.util.Map<String, String> env) {
        String url = env.get("DEMO_DB_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String spec = env.getOrDefault("DEMO_DB_COLUMNS", "");
        String chosen = null;
        for (String entry : spec.split(";")) {
            int colon = entry.indexOf(':');
            if (colon < 0) {
                continue;
            }
            chosen = entry.substring(colon + 1).strip();
            if (entry.substring(0, colon).strip().equals(version)) {
                break;
            }
        }
        if (chosen == null || !chosen.matches("[a-z_]+\\.[a-z_]+(,[a-z_]+\\.[a-z_]+)*")) {
            throw new IllegalArgumentException("DEMO_DB_COLUMNS must be like 'v1:orders.legacy_status;v3:orders"
                    + ".status', was '" + spec + "'");
        }
        List<String> cols = new ArrayList<>();
        String table = null;
        for (String c : chosen.split(",")) {
            table = c.substring(0, c.indexOf('.'));
            cols.add(c.substring(c.indexOf('.') + 1));
        }
        return Optional.of(new DemoDatabase(url, env.get("DEMO_DB_USER"), env.get("DEMO_DB_PASSWORD"), table,
                List.copyOf(cols)));
    }

    /** The number of rows, reading the columns this version needs; a message when that fails. */
    String orders() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); var s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM (SELECT " + String.join(", ", columns) + " FROM "
                     + table + ") t")) {
            rs.next();
            return rs.getLong(1) + " orders (read " + table + "." + String.join(", " + table + ".", columns) + ")";
        }
    }

    /** Why this version cannot serve on the database as it is, if it cannot. */
    Optional<String> problem() {
        try {
            orders();
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("schema: " + e.getMessage());
        }
    }
}
