package dev.deployguard.store.schema;

import dev.deployguard.release.ReleaseSchema;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link SchemaGuard} for Liquibase: changesets have no version order, so a changeset is "newer than the release
 * knows" when DATABASECHANGELOG holds it applied (EXECUTED, RERAN, MARK_RAN) and the release's changelog does not
 * ship it. Those are classified by label, marker comment or the serving release's changelog; contract when unsure.
 */
public final class LiquibaseGuard {
    private static final Set<String> APPLIED = Set.of("EXECUTED", "RERAN", "MARK_RAN");

    private final LiquibaseHistory history;
    private final String where;
    private final String password;

    /** @param where how the database is named in messages (its URL and user, no password) */
    public LiquibaseGuard(LiquibaseHistory history, String where, String password) {
        this.history = Objects.requireNonNull(history, "history");
        this.where = where;
        this.password = password;
    }

    public SchemaVerdict judge(String release, ReleaseSchema target, List<ReleaseSchema> known) {
        List<LiquibaseHistory.Row> rows;
        try {
            rows = history.rows();
        } catch (SQLException e) {
            return new SchemaVerdict.CannotTell("reading the Liquibase history " + history.table() + " at " + where
                    + " failed: " + new Secrets(password == null ? List.of() : List.of(password))
                    .mask(e.getMessage()) + ". Check that the database is up and reachable, and database.url,"
                    + " userEnv, passwordEnv and table; nothing was changed");
        }
        Set<String> knows = target.migrations().stream().map(ReleaseSchema.Shipped::version)
                .collect(Collectors.toSet());
        String knowsText = target.knows() == null ? "none" : target.knows();
        List<AppliedMigration> newer = rows.stream()
                .filter(r -> APPLIED.contains(String.valueOf(r.execType())) && !knows.contains(r.key()))
                .map(r -> new AppliedMigration(r.key(), r.description() == null ? "" : r.description(),
                        r.filename(), r.author(), r.executed(), LiquibaseHistory.kind(r, known)))
                .toList();
        if (newer.isEmpty()) {
            return new SchemaVerdict.Compatible(release, knowsText);
        }
        List<AppliedMigration> contract = newer.stream().filter(a -> a.kind() == MigrationKind.CONTRACT).toList();
        return contract.isEmpty() ? new SchemaVerdict.ExpandOnlyGap(release, knowsText, newer)
                : new SchemaVerdict.Incompatible(release, knowsText, contract);
    }
}
