package dev.deployguard.spec;

import java.util.List;
import java.util.Objects;

/**
 * The app's database and where each release's migrations live, so DeployGuard knows which schema a release needs
 * and refuses to roll back onto a schema the older release cannot use. Credentials come only from the named
 * environment variables.
 *
 * @param jdbcUrl     the database, e.g. {@code jdbc:postgresql://db:5432/shop} (no password in it)
 * @param userEnv     the environment variable holding the user, or null
 * @param passwordEnv the environment variable holding the password, or null
 * @param tool        the migration tool
 * @param migrations  the directory of a release's Flyway migrations, or its Liquibase changelog file;
 *                    {@code ${version}} is replaced by the release's version
 * @param table       the history table: Flyway's {@code flyway_schema_history}, Liquibase's {@code databasechangelog},
 *                    or {@code schema.table}
 * @param migrate     whether a deploy runs the release's expand migrations before traffic moves
 * @param command     the migration command, an argument list (never a shell string), or empty for the tool's Java
 *                    API; {@code ${target}} is the highest version to run, {@code ${phase}} expand or contract
 */
public record DatabaseSpec(String jdbcUrl, String userEnv, String passwordEnv, Tool tool, String migrations,
                           String table, Migrate migrate, List<String> command) {
    public static final String DEFAULT_TABLE = "flyway_schema_history";
    /** Liquibase's history table; its lock table is this name + {@code LOCK}. */
    public static final String LIQUIBASE_TABLE = "databasechangelog";

    public DatabaseSpec {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(migrations, "migrations");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(migrate, "migrate");
        command = List.copyOf(command);
    }

    /** A section that only reads the history (DeployGuard runs no migration). */
    public DatabaseSpec(String jdbcUrl, String userEnv, String passwordEnv, Tool tool, String migrations,
                        String table) {
        this(jdbcUrl, userEnv, passwordEnv, tool, migrations, table, Migrate.NONE, List.of());
    }

    /**
     * What a deploy migrates: {@link #NONE} (the app or a pipeline does), or {@link #EXPAND} (the release's expand
     * migrations before traffic moves; contract migrations wait for {@code deployguard migrate APP --contract}).
     */
    public enum Migrate { NONE, EXPAND }

    /** The migration tool whose history DeployGuard reads. */
    public enum Tool { FLYWAY, LIQUIBASE }

    /** The migrations directory of the release with this version. */
    public String migrationsOf(String version) {
        return migrations.replace("${version}", version);
    }
}
