package dev.deployguard.store.schema;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code migrations} check for an app migrated by Liquibase: a changeset recorded with {@code EXECTYPE = FAILED}
 * or a Liquibase update holding the lock row in DATABASECHANGELOGLOCK right now refuses the deploy; an unreadable
 * history is an error ("cannot tell"), never a pass.
 */
public final class LiquibaseCheck implements Check {
    private final LiquibaseHistory history;
    private final String where;
    private final Secrets secrets;

    /** @param where the database as messages name it (URL and user, never the password) */
    public LiquibaseCheck(LiquibaseHistory history, String where, Secrets secrets) {
        this.history = Objects.requireNonNull(history, "history");
        this.where = where;
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    @Override
    public String name() {
        return CheckNames.MIGRATIONS;
    }

    @Override
    public CheckResult run(CheckContext context) {
        try {
            var lock = history.lock();
            if (lock.isPresent()) {
                return CheckResult.fail(name(), "a migration is in progress: Liquibase's lock in "
                                + history.lockTable() + " is held by " + lock.get().lockedBy() + " since "
                                + lock.get().granted() + " at " + where,
                        "Wait for the update to finish, then check again; if no Liquibase runs, the lock is stale:"
                                + " release it with `liquibase release-locks` after finding out why it stayed")
                        .withData(Map.of("lockedBy", String.valueOf(lock.get().lockedBy())));
            }
            List<LiquibaseHistory.Row> failed = history.rows().stream()
                    .filter(r -> "FAILED".equals(r.execType())).toList();
            if (!failed.isEmpty()) {
                LiquibaseHistory.Row f = failed.get(failed.size() - 1);
                return CheckResult.fail(name(), failed.size() + " failed changeset(s) in " + history.table() + " at "
                                + where + "; the last: " + f.key() + " (" + f.filename() + ", " + f.executed() + ")",
                        "Fix the changeset and run the update again before deploying; the schema may be half"
                                + " migrated").withData(Map.of("failed", failed.stream().map(LiquibaseHistory.Row::key)
                        .toList()));
            }
            return CheckResult.pass(name(), "Liquibase history " + history.table() + " at " + where + ": "
                    + history.rows().size() + " changeset(s), none failed, no update running");
        } catch (SQLException e) {
            return CheckResult.error(name(), "cannot tell: reading the Liquibase history " + history.table() + " at "
                    + where + " failed: " + secrets.mask(e.getMessage()), "check database.url, its credentials"
                    + " and database.table; the check cannot tell whether a migration failed or runs");
        }
    }
}
