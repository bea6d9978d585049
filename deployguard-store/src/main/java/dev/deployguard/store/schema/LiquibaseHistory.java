package dev.deployguard.store.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Liquibase's history in the database: the DATABASECHANGELOG rows (with EXECTYPE, labels and comments) and the lock
 * row in DATABASECHANGELOGLOCK. Table names are not quoted, so the database folds them as Liquibase created them
 * (upper case on H2, lower case on PostgreSQL).
 */
public final class LiquibaseHistory {
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String table;
    private final int timeoutSeconds;

    /** One changeset row. */
    public record Row(String id, String author, String filename, Timestamp executed, String execType,
                      String description, String comments, String labels) {
        String key() {
            return LiquibaseChangelog.key(id, author);
        }
    }

    /** Who holds Liquibase's lock, and since when. */
    public record Lock(String lockedBy, Timestamp granted) {
    }

    /** @param table DATABASECHANGELOG, or {@code schema.table}; the lock table is its name + {@code LOCK} */
    public LiquibaseHistory(String jdbcUrl, String user, String password, String table, int timeoutSeconds) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = user;
        this.password = password;
        this.table = table == null || table.isBlank() ? "databasechangelog" : table;
        if (!TABLE.matcher(this.table).matches()) {
            throw new IllegalArgumentException("not a table name: " + this.table);
        }
        this.timeoutSeconds = Math.max(1, timeoutSeconds);
    }

    public String table() {
        return table;
    }

    /** DATABASECHANGELOGLOCK beside it, in the same letter case. */
    public String lockTable() {
        return table + (Character.isLowerCase(table.charAt(table.length() - 1)) ? "lock" : "LOCK");
    }

    /** Every row, in execution order. */
    public List<Row> rows() throws SQLException {
        List<Row> out = new ArrayList<>();
        try (Connection c = connect(); var s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            try (var rs = s.executeQuery("SELECT ID, AUTHOR, FILENAME, DATEEXECUTED, EXECTYPE, DESCRIPTION,"
                    + " COMMENTS, LABELS FROM " + table + " ORDER BY ORDEREXECUTED")) {
                while (rs.next()) {
                    out.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)));
                }
            }
        }
        return out;
    }

    /** The lock row when a Liquibase update holds it now. */
    public Optional<Lock> lock() throws SQLException {
        try (Connection c = connect(); var s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            try (var rs = s.executeQuery("SELECT LOCKEDBY, LOCKGRANTED FROM " + table + "LOCK WHERE LOCKED = TRUE")) {
                return rs.next() ? Optional.of(new Lock(rs.getString(1), rs.getTimestamp(2))) : Optional.empty();
            }
        }
    }

    /** How an applied row is classified: its labels, a marker in its comments, the serving release's changelog. */
    static MigrationKind kind(Row row, List<dev.deployguard.release.ReleaseSchema> known) {
        String labels = row.labels() == null ? "" : row.labels().toLowerCase(java.util.Locale.ROOT);
        if (List.of(labels.split("[,\\s]+")).contains("contract")) {
            return MigrationKind.CONTRACT;
        }
        if (List.of(labels.split("[,\\s]+")).contains("expand")) {
            return MigrationKind.EXPAND;
        }
        Optional<MigrationKind> shipped = known.stream().flatMap(k -> k.migrations().stream())
                .filter(m -> m.version().equals(row.key())).findFirst()
                .map(m -> MigrationKind.valueOf(m.kind().toUpperCase(java.util.Locale.ROOT)));
        return shipped.orElseGet(() -> MigrationKind.classify(row.id(),
                row.comments() == null ? null : "-- " + row.comments()));
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
            props.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
            props.setProperty("ApplicationName", "deployguard-schema-guard");
        }
        Connection c = DriverManager.getConnection(jdbcUrl, props);
        c.setReadOnly(true);
        return c;
    }
}
