package dev.deployguard.store.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The {@code migrations} check: reads the app's Flyway schema history and refuses to deploy onto a database with a
 * failed migration ({@code success = false}) or a migration running right now (on PostgreSQL: Flyway's advisory
 * lock is held by another session). A database without a history table gets a WARN: nothing applied yet, or not
 * managed by Flyway. The user and password are the caller's (read from environment variables) and never appear in
 * evidence, data or errors.
 */
public final class MigrationCheck implements Check {
    public static final String NAME = CheckNames.MIGRATIONS;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final HistoryTable table;

    /**
     * @param jdbcUrl  the app's database, e.g. {@code jdbc:postgresql://db:5432/shop}
     * @param user     the database user, or null
     * @param password the password, or null (never logged)
     * @param table    the history table, {@code flyway_schema_history} by default; {@code schema.table} pins a schema
     */
    public MigrationCheck(String jdbcUrl, String user, String password, HistoryTable table) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = user;
        this.password = password;
        this.table = table == null ? HistoryTable.parse(null) : table;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult run(CheckContext context) {
        int seconds = (int) Math.max(1, (context.timeout().toMillis() + 999) / 1000);
        try (Connection c = connect(seconds)) {
            HistoryTable where = table.inSchema(c.getSchema());
            Optional<FlywayAdvisoryLock.Holder> lock = postgres()
                    ? FlywayAdvisoryLock.holder(c, where, seconds) : Optional.empty();
            if (lock.isPresent()) {
                return CheckResult.fail(NAME, "a migration is in progress (Flyway lock held by "
                                + lock.get().describe() + ") on " + where.quoted() + " in " + safeUrl(),
                        "Wait for the migration to finish, then run the checks again; if pid " + lock.get().pid()
                                + " is stuck, find out why before ending it (SELECT pg_terminate_backend("
                                + lock.get().pid() + ")).")
                        .withData(Map.of("lockPid", lock.get().pid(), "table", where.quoted()));
            }
            if (!exists(c, where)) {
                return CheckResult.warn(NAME, "no Flyway history table " + where.quoted() + " in " + safeUrl()
                                + ": no migration applied yet, or the database is not managed by Flyway",
                        "If the app migrates with Flyway, check checks.migrations (URL, table, schema); otherwise"
                                + " skip this check (checks.skip: [migrations]).")
                        .withData(Map.of("table", where.quoted()));
            }
            return judge(FlywayHistory.read(c, where, seconds), where, postgres());
        } catch (SQLException e) {
            return cannotTell(e, seconds);
        }
    }

    private CheckResult judge(FlywayHistory history, HistoryTable where, boolean lockChecked) {
        String version = history.current().map(r -> r.version() + " ('" + r.description() + "')").orElse("none");
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("table", where.quoted());
        data.put("applied", history.rows().size());
        history.current().ifPresent(r -> data.put("currentVersion", r.version()));
        List<FlywayHistory.Row> failed = history.failed();
        if (!failed.isEmpty()) {
            data.put("failed", failed.stream().map(r -> r.version() == null ? r.script() : r.version()).toList());
            return CheckResult.fail(NAME, "failed migration in " + where.quoted() + ": "
                            + failed.stream().map(FlywayHistory.Row::describe).collect(Collectors.joining("; "))
                            + " has success = false; current schema version " + version,
                    "Fix the migration and clean up what it half-applied, then run `flyway repair` (removes the"
                            + " failed row) and migrate again; or roll the database forward with a new migration"
                            + " that completes the change.")
                    .withData(data);
        }
        return CheckResult.pass(NAME, "Flyway history " + where.quoted() + ": " + history.rows().size()
                + " migration(s) applied, none failed" + (lockChecked ? ", none running" : "")
                + "; current schema version " + version).withData(data);
    }

    private Connection connect(int seconds) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        if (postgres()) {
            // Bound connecting, logging in and every read by the check's timeout (other drivers, such as H2, refuse
            // settings they do not know; their statements are bounded by the query timeout).
            props.setProperty("connectTimeout", Integer.toString(seconds));
            props.setProperty("loginTimeout", Integer.toString(seconds));
            props.setProperty("socketTimeout", Integer.toString(seconds));
            props.setProperty("ApplicationName", "deployguard-check");
        }
        Connection c = DriverManager.getConnection(jdbcUrl, props);
        c.setReadOnly(true);
        return c;
    }

    private boolean postgres() {
        return jdbcUrl.startsWith("jdbc:postgresql:");
    }

    private static boolean exists(Connection c, HistoryTable where) throws SQLException {
        try (var rs = c.getMetaData().getTables(null, where.schema(), where.table(), null)) {
            return rs.next();
        }
    }

    private CheckResult cannotTell(SQLException e, int seconds) {
        boolean timeout = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            timeout |= t instanceof SQLTimeoutException || t instanceof SocketTimeoutException
                    || String.valueOf(t.getMessage()).contains("timed out");
        }
        return CheckResult.error(NAME, "reading the Flyway history at " + safeUrl()
                        + (user == null ? "" : " as user '" + user + "'")
                        + (timeout ? " timed out after " + seconds + " s" : " failed") + ": " + scrub(e.getMessage()),
                "Check that the database is up and reachable from here and that the URL and credentials"
                        + " (checks.migrations) are right; the check cannot tell whether a migration failed or runs.");
    }

    /** The URL without any password parameter a user may have put into it. */
    private String safeUrl() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private String scrub(String message) {
        String m = message == null ? "" : message;
        return password == null || password.isEmpty() ? m : m.replace(password, "***");
    }
}
