package dev.deployguard.store.schema;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Runs a release's migrations through Flyway's Java API: which are pending (split into expand now and contract
 * held), and a migrate up to a target version. Every message is masked of the password.
 */
public final class FlywayMigrator {
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final String table;
    private final Secrets secrets;

    public FlywayMigrator(String jdbcUrl, String user, String password, String table) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = user;
        this.password = password;
        this.table = table == null || table.isBlank() ? "flyway_schema_history" : table;
        this.secrets = new Secrets(password == null ? List.of() : List.of(password));
    }

    /**
     * The release's pending migrations, split at the first contract one.
     *
     * @throws DeployGuardException (unreachable) when the database or its history cannot be read
     */
    public MigrationPlan plan(ReleaseMigrations release, Path dir) {
        MigrationInfo[] pending;
        try {
            pending = configure(dir).load().info().pending();
        } catch (FlywayException e) {
            throw cannotRead(e);
        }
        List<Migration> list = new ArrayList<>();
        for (MigrationInfo info : pending) {
            if (info.getVersion() == null) {
                continue; // repeatable migrations have no place in the expand/contract order
            }
            String script = Path.of(info.getScript()).getFileName().toString();
            list.add(release.byScript(script).orElseGet(() -> new Migration(info.getVersion().getVersion(),
                    info.getDescription(), script, MigrationKind.classify(script, null))));
        }
        return MigrationPlan.split(list);
    }

    /**
     * Migrates up to {@code target} (all pending when empty). A failure is a run that did not succeed, with
     * Flyway's reason as its output; the history then holds Flyway's failed row (PostgreSQL rolls the DDL back).
     */
    public MigrationRun migrate(Path dir, String phase, Optional<String> target) {
        FluentConfiguration conf = configure(dir);
        target.ifPresent(t -> conf.target(MigrationVersion.fromVersion(t)));
        try {
            MigrateResult r = conf.load().migrate();
            List<String> applied = new ArrayList<>();
            StringBuilder out = new StringBuilder();
            out.append("Flyway ").append(r.flywayVersion).append(": ")
                    .append(r.schemaName == null || r.schemaName.isBlank() ? "" : "schema " + r.schemaName + " ")
                    .append(r.initialSchemaVersion == null ? "from an empty schema"
                            : "from version " + r.initialSchemaVersion);
            for (MigrateOutput m : r.migrations) {
                applied.add(m.version);
                out.append("\nmigrated to version ").append(m.version).append(" - ").append(m.description)
                        .append(" (").append(Path.of(m.filepath).getFileName()).append(", ").append(m.executionTime)
                        .append(" ms)");
            }
            out.append("\n").append(r.migrationsExecuted).append(" migration(s) applied; schema now at version ")
                    .append(r.targetSchemaVersion == null ? r.initialSchemaVersion : r.targetSchemaVersion);
            for (String w : r.warnings == null ? List.<String>of() : r.warnings) {
                out.append("\nwarning: ").append(w);
            }
            return new MigrationRun(phase, r.success, applied, secrets.mask(out.toString()));
        } catch (FlywayException e) {
            return new MigrationRun(phase, false, List.of(), secrets.mask("Flyway failed: " + e.getMessage()));
        }
    }

    private FluentConfiguration configure(Path dir) {
        FluentConfiguration conf = Flyway.configure().dataSource(jdbcUrl, user, password)
                .locations("filesystem:" + dir.toAbsolutePath());
        int dot = table.indexOf('.');
        if (dot < 0) {
            return conf.table(table);
        }
        return conf.schemas(table.substring(0, dot)).defaultSchema(table.substring(0, dot))
                .table(table.substring(dot + 1));
    }

    private DeployGuardException cannotRead(FlywayException e) {
        // Flyway's own message is a banner of several lines: the first, and the driver's first, say it all.
        String reason = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !reason.contains(root.getMessage().lines().findFirst()
                .orElse(""))) {
            reason = reason + " (" + root.getMessage().lines().findFirst().orElse("") + ")";
        }
        reason = reason.strip().replaceAll("[.\\s]+$", "");
        return new DeployGuardException(ExitCode.UNREACHABLE, secrets.mask("cannot tell which migrations are"
                + " pending: Flyway could not read " + table + " at " + jdbcUrl + (user == null ? ""
                : " as user '" + user + "'") + ": " + reason + ". Check database.url, userEnv and passwordEnv;"
                + " nothing was migrated"));
    }
}
