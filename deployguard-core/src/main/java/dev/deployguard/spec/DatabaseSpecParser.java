package dev.deployguard.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validates an app's {@code database} section (see {@link DatabaseSpec}). */
public final class DatabaseSpecParser {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final Pattern SECRET_IN_URL = Pattern.compile("(?i)(password|passwd|pwd)=|//[^/@]*:[^/@]*@");

    private DatabaseSpecParser() {
    }

    /** The section as written. */
    static final class Raw {
        @JsonProperty("url")
        String url;
        @JsonProperty("userEnv")
        String userEnv;
        @JsonProperty("passwordEnv")
        String passwordEnv;
        @JsonProperty("tool")
        String tool;
        @JsonProperty("migrations")
        String migrations;
        @JsonProperty("table")
        String table;
        @JsonProperty("migrate")
        String migrate;
        @JsonProperty("command")
        List<String> command;
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static DatabaseSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        int before = problems.size();
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        if (raw.url == null || raw.url.isBlank()) {
            problems.add(at + ".url: missing; expected a JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/app");
        } else if (!raw.url.startsWith("jdbc:")) {
            problems.add(at + ".url: expected a JDBC URL starting with 'jdbc:', e.g."
                    + " jdbc:postgresql://127.0.0.1:5432/app");
        } else if (SECRET_IN_URL.matcher(raw.url).find()) {
            // Not echoing the URL: it holds the secret.
            problems.add(at + ".url: holds a password; remove it and name the environment variable that holds it"
                    + " in " + at + ".passwordEnv");
        }
        for (var env : List.of(new String[] {"userEnv", raw.userEnv}, new String[] {"passwordEnv", raw.passwordEnv})) {
            if (env[1] != null && !ENV_NAME.matcher(env[1]).matches()) {
                problems.add(at + "." + env[0] + ": expected the name of an environment variable (letters, digits,"
                        + " '_'), got '" + env[1] + "'");
            }
        }
        DatabaseSpec.Tool tool = null;
        String t = raw.tool == null ? "flyway" : raw.tool.trim().toLowerCase(Locale.ROOT);
        if (t.equals("flyway")) {
            tool = DatabaseSpec.Tool.FLYWAY;
        } else if (t.equals("liquibase")) {
            tool = DatabaseSpec.Tool.LIQUIBASE;
        } else {
            problems.add(at + ".tool: unknown migration tool '" + raw.tool + "'; expected flyway or liquibase");
        }
        String migrations = null;
        if (raw.migrations == null || raw.migrations.isBlank()) {
            problems.add(at + ".migrations: missing; expected the directory of a release's migrations, e.g."
                    + " releases/${version}/db/migration");
        } else {
            Path p = Path.of(raw.migrations.replace("${version}", "VERSION"));
            migrations = p.isAbsolute() ? raw.migrations : baseDir.resolve(raw.migrations).toString();
        }
        String table = raw.table != null ? raw.table
                : tool == DatabaseSpec.Tool.LIQUIBASE ? DatabaseSpec.LIQUIBASE_TABLE : DatabaseSpec.DEFAULT_TABLE;
        if (!TABLE.matcher(table).matches()) {
            problems.add(at + ".table: expected a table name (letters, digits, '_', optionally schema.table), got '"
                    + table + "'");
        }
        DatabaseSpec.Migrate migrate = DatabaseSpec.Migrate.NONE;
        String m = raw.migrate == null ? "none" : raw.migrate.trim().toLowerCase(Locale.ROOT);
        if (m.equals("expand")) {
            migrate = DatabaseSpec.Migrate.EXPAND;
        } else if (!m.equals("none")) {
            problems.add(at + ".migrate: expected none (the app migrates) or expand (a deploy runs the release's"
                    + " expand migrations before traffic moves), got '" + raw.migrate + "'");
        }
        List<String> command = raw.command == null ? List.of() : raw.command;
        if (raw.command != null && (command.isEmpty() || command.stream().anyMatch(a -> a == null || a.isBlank()))) {
            problems.add(at + ".command: expected an argument list such as [\"flyway\", \"-target=${target}\","
                    + " \"migrate\"] (no empty arguments; it is never run through a shell)");
        }
        return problems.size() > before ? null
                : new DatabaseSpec(raw.url, raw.userEnv, raw.passwordEnv, tool, migrations, table, migrate, command);
    }
}
