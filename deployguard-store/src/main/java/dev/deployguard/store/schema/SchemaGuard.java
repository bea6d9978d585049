package dev.deployguard.store.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Judges whether a release may serve on the database as it is: reads Flyway's schema history and compares the
 * applied versions with the highest version the release ships. Flyway itself does not stop this (an old app validates
 * fine against a newer drop-column migration: unknown future migrations are ignored), so DeployGuard must.
 * A migration newer than the release is classified by the script of the release that shipped it when at hand
 * (markers), else by its name; contract when unsure. The password never appears in messages.
 */
public final class SchemaGuard {
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String table;
    private final int timeoutSeconds;
    private final boolean noHistoryIsEmpty;

    /**
     * @param table the history table, {@code flyway_schema_history} or {@code schema.table}
     */
    public SchemaGuard(String jdbcUrl, String user, String password, String table, int timeoutSeconds) {
        this(jdbcUrl, user, password, table, timeoutSeconds, false);
    }

    private SchemaGuard(String jdbcUrl, String user, String password, String table, int timeoutSeconds,
                        boolean noHistoryIsEmpty) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = user;
        this.password = password;
        this.table = table == null || table.isBlank() ? "flyway_schema_history" : table;
        this.timeoutSeconds = Math.max(1, timeoutSeconds);
        this.noHistoryIsEmpty = noHistoryIsEmpty;
    }

    /**
     * The same guard, reading a missing history table as "nothing migrated yet": right only where DeployGuard itself
     * is about to create it (a deploy that runs the migrations). Everywhere else a missing table is "cannot tell", as
     * it may be a wrong {@code database.table}.
     */
    public SchemaGuard noHistoryIsEmpty() {
        return new SchemaGuard(jdbcUrl, user, password, table, timeoutSeconds, true);
    }

    /**
     * @param target the release to be put back
     * @param known  migrations of newer releases (e.g. the serving one), whose markers classify applied rows
     */
    public SchemaVerdict judge(ReleaseMigrations target, List<ReleaseMigrations> known) {
        List<AppliedMigration> applied;
        try {
            applied = read(known);
        } catch (SQLException e) {
            if (noHistoryIsEmpty && undefinedTable(e)) {
                return new SchemaVerdict.Compatible(target.release(), target.knows().map(MigrationVersion::getVersion)
                        .orElse("none"));
            }
            return new SchemaVerdict.CannotTell("reading the Flyway history " + table + " at " + safeUrl()
                    + (user == null ? "" : " as user '" + user + "'") + " failed: " + scrub(e.getMessage())
                    + ". Check that the database is up and reachable, and database.url, userEnv and passwordEnv;"
                    + " nothing was changed");
        }
        Optional<MigrationVersion> knows = target.knows();
        String knowsText = knows.map(MigrationVersion::getVersion).orElse("none");
        List<AppliedMigration> newer = applied.stream()
                .filter(a -> knows.isEmpty() || MigrationVersion.fromVersion(a.version()).isNewerThan(knows.get()))
                .toList();
        if (newer.isEmpty()) {
            return new SchemaVerdict.Compatible(target.release(), knowsText);
        }
        List<AppliedMigration> contract = newer.stream().filter(a -> a.kind() == MigrationKind.CONTRACT).toList();
        return contract.isEmpty() ? new SchemaVerdict.ExpandOnlyGap(target.release(), knowsText, newer)
                : new SchemaVerdict.Incompatible(target.release(), knowsText, contract);
    }

    private List<AppliedMigration> read(List<ReleaseMigrations> known) throws SQLException {
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
        // Flyway creates the columns quoted in lower case; quoting finds them on H2 (upper-case folding) as well.
        String sql = "SELECT \"version\", \"description\", \"script\", \"installed_by\", \"installed_on\""
                + " FROM " + quoted(table) + " WHERE \"installed_rank\" >= 0 AND \"success\" AND \"version\" IS NOT NULL"
                + " ORDER BY \"installed_rank\"";
        List<AppliedMigration> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, props); var s = c.createStatement()) {
            c.setReadOnly(true);
            s.setQueryTimeout(timeoutSeconds);
            try (var rs = s.executeQuery(sql)) {
                while (rs.next()) {
                    String script = rs.getString(3);
                    MigrationKind kind = known.stream().map(k -> k.byScript(script)).flatMap(Optional::stream)
                            .findFirst().map(Migration::kind).orElseGet(() -> MigrationKind.classify(script, null));
                    rows.add(new AppliedMigration(rs.getString(1), rs.getString(2), script, rs.getString(4),
                            rs.getTimestamp(5), kind));
                }
            }
        }
        return rows;
    }

    /** PostgreSQL's undefined_table, H2's table-not-found. */
    private static boolean undefinedTable(SQLException e) {
        return "42P01".equals(e.getSQLState()) || "42S02".equals(e.getSQLState()) || e.getErrorCode() == 42102;
    }

    private static String quoted(String table) {
        int dot = table.indexOf('.');
        return dot < 0 ? quote(table) : quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private String safeUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private String scrub(String message) {
        // The driver's first line is the reason; PostgreSQL adds "Position: N" lines, and its own final period.
        String m = message == null ? "" : message.lines().findFirst().orElse("").strip().replaceAll("[.\\s]+$", "");
        return password == null || password.isEmpty() ? m : m.replace(password, "***");
    }
}
