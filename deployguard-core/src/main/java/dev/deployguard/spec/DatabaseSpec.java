package dev.deployguard.spec;

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
 * @param migrations  the directory of a release's migrations; {@code ${version}} is replaced by the release's version
 * @param table       Flyway's history table, {@code flyway_schema_history} or {@code schema.table}
 */
public record DatabaseSpec(String jdbcUrl, String userEnv, String passwordEnv, Tool tool, String migrations,
                           String table) {
    public static final String DEFAULT_TABLE = "flyway_schema_history";

    public DatabaseSpec {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(tool, "tool");
        Objects.requireNonNull(migrations, "migrations");
        Objects.requireNonNull(table, "table");
    }

    /** The migration tool whose history DeployGuard reads. */
    public enum Tool { FLYWAY, LIQUIBASE }

    /** The migrations directory of the release with this version. */
    public String migrationsOf(String version) {
        return migrations.replace("${version}", version);
    }
}
