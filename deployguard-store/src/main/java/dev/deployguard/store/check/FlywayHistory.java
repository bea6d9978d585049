package dev.deployguard.store.check;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.api.MigrationVersion;

/**
 * The rows of a Flyway schema history table that matter before a deploy. Rows with a negative
 * {@code installed_rank} are Flyway's markers (schema creation), not migrations.
 */
record FlywayHistory(List<Row> rows) {
    /** One applied (or failed) migration. {@code version} is null for repeatable migrations. */
    record Row(int rank, String version, String description, String type, String script, Timestamp installedOn,
               boolean success) {
        String describe() {
            return (version == null ? "repeatable" : "version " + version) + " '" + description + "' (script "
                    + script + ", installed on " + installedOn + ")";
        }
    }

    static FlywayHistory read(Connection c, HistoryTable table, int timeoutSeconds) throws SQLException {
        // Flyway creates the columns quoted in lower case; quoting them here finds them on databases that fold
        // unquoted names to upper case (H2, Oracle) as well as on PostgreSQL.
        String sql = "SELECT \"installed_rank\", \"version\", \"description\", \"type\", \"script\","
                + " \"installed_on\", \"success\" FROM " + table.quoted()
                + " WHERE \"installed_rank\" >= 0 ORDER BY \"installed_rank\"";
        List<Row> rows = new ArrayList<>();
        try (var s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            try (var rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    rows.add(new Row(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getTimestamp(6), rs.getBoolean(7)));
                }
            }
        }
        return new FlywayHistory(List.copyOf(rows));
    }

    List<Row> failed() {
        return rows.stream().filter(r -> !r.success()).toList();
    }

    /** The highest successfully applied version: the schema version the database is at. */
    Optional<Row> current() {
        return rows.stream().filter(r -> r.success() && r.version() != null)
                .max(Comparator.comparing(r -> MigrationVersion.fromVersion(r.version())));
    }
}
