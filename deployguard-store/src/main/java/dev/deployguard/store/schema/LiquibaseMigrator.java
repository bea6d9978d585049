package dev.deployguard.store.schema;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.release.ReleaseSchema;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import liquibase.Scope;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.UpdateCountCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.resource.DirectoryResourceAccessor;

/**
 * Runs a release's Liquibase changesets through Liquibase's Java API: the pending ones in changelog order, split at
 * the first contract changeset; the expand phase is an {@code update-count} of the expand ones before it, the
 * contract phase a full {@code update}. Messages are masked of the password.
 */
public final class LiquibaseMigrator {
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final LiquibaseHistory history;
    private final Secrets secrets;

    public LiquibaseMigrator(String jdbcUrl, String user, String password, String table) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        this.user = user;
        this.password = password;
        this.history = new LiquibaseHistory(jdbcUrl, user, password, table, 10);
        this.secrets = new Secrets(password == null ? List.of() : List.of(password));
    }

    /** The release's changesets not yet applied, split at the first contract one. */
    public MigrationPlan plan(ReleaseSchema release) {
        Set<String> applied;
        try {
            applied = history.rows().stream().filter(r -> !"FAILED".equals(r.execType()))
                    .map(LiquibaseHistory.Row::key).collect(Collectors.toSet());
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState()) && !"42S02".equals(e.getSQLState()) && e.getErrorCode() != 42102) {
                throw new DeployGuardException(ExitCode.UNREACHABLE, secrets.mask("cannot tell which changesets are"
                        + " pending: reading " + history.table() + " at " + jdbcUrl + (user == null ? ""
                        : " as user '" + user + "'") + " failed: " + e.getMessage() + ". Check database.url,"
                        + " userEnv and passwordEnv; nothing was migrated"));
            }
            applied = Set.of(); // no history table yet: Liquibase creates it with the first update
        }
        Set<String> done = applied;
        return MigrationPlan.split(release.migrations().stream().filter(m -> !done.contains(m.version()))
                .map(m -> new Migration(m.version(), m.description() == null ? "" : m.description(),
                        m.script() == null ? "" : m.script(),
                        MigrationKind.valueOf(m.kind().toUpperCase(java.util.Locale.ROOT))))
                .toList());
    }

    /** Applies the next {@code count} changesets, or all pending when {@code count} is null. */
    public MigrationRun update(Path changelog, String phase, Integer count, List<String> versions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Scope.child(Map.of(Scope.Attr.resourceAccessor.name(),
                    new DirectoryResourceAccessor(changelog.getParent())), () -> {
                CommandScope cmd = new CommandScope(count == null ? UpdateCommandStep.COMMAND_NAME
                        : UpdateCountCommandStep.COMMAND_NAME);
                cmd.addArgumentValue(DbUrlConnectionArgumentsCommandStep.URL_ARG, jdbcUrl);
                if (user != null) {
                    cmd.addArgumentValue(DbUrlConnectionArgumentsCommandStep.USERNAME_ARG, user);
                }
                if (password != null) {
                    cmd.addArgumentValue(DbUrlConnectionArgumentsCommandStep.PASSWORD_ARG, password);
                }
                String file = changelog.getFileName().toString();
                if (count == null) {
                    cmd.addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, file);
                } else {
                    cmd.addArgumentValue(UpdateCountCommandStep.CHANGELOG_FILE_ARG, file);
                    cmd.addArgumentValue(UpdateCountCommandStep.COUNT_ARG, count);
                }
                cmd.setOutput(out);
                cmd.execute();
            });
            String text = "Liquibase applied " + versions.size() + " changeset(s): " + String.join(", ", versions)
                    + (out.size() == 0 ? "" : "\n" + out.toString(StandardCharsets.UTF_8).strip());
            return new MigrationRun(phase, true, versions, secrets.mask(text));
        } catch (Exception e) {
            Throwable t = e;
            StringBuilder why = new StringBuilder("Liquibase failed:");
            while (t != null) {
                if (t.getMessage() != null) {
                    why.append(' ').append(t.getMessage().lines().findFirst().orElse(""));
                }
                t = t.getCause() == t ? null : t.getCause();
            }
            return new MigrationRun(phase, false, List.of(), secrets.mask(why.toString()));
        }
    }
}
