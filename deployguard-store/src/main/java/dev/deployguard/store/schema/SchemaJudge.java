package dev.deployguard.store.schema;

import dev.deployguard.release.ReleaseSchema;
import dev.deployguard.spec.DatabaseSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The one place the migration tool is chosen: what a release ships (the record its deploy keeps) and whether it may
 * serve on the database as it is. Flyway compares versions; Liquibase compares changeset sets.
 */
public interface SchemaJudge {
    /**
     * Reads what release {@code version} ships from its migrations directory (Flyway) or changelog (Liquibase).
     *
     * @throws dev.deployguard.error.DeployGuardException (bad input) when they are not there or do not parse
     */
    ReleaseSchema record(String version);

    /** Whether {@code target} may serve on today's schema; {@code known} classify applied migrations it lacks. */
    SchemaVerdict judge(String release, ReleaseSchema target, List<ReleaseSchema> known);

    /**
     * The release's migrations not applied yet, split into expand (may run before traffic) and held.
     *
     * @throws dev.deployguard.error.DeployGuardException when the history or the release's files cannot be read
     */
    MigrationPlan pending(String version);

    /** The judge for a database section, with the credentials already read from the environment. */
    static SchemaJudge of(DatabaseSpec db, String user, String password, int timeoutSeconds,
                          boolean noHistoryIsEmpty) {
        if (db.tool() == DatabaseSpec.Tool.LIQUIBASE) {
            LiquibaseHistory history = new LiquibaseHistory(db.jdbcUrl(), user, password, db.table(), timeoutSeconds);
            LiquibaseGuard guard = new LiquibaseGuard(history, db.jdbcUrl() + (user == null ? ""
                    : " as user '" + user + "'"), password);
            return new SchemaJudge() {
                @Override
                public ReleaseSchema record(String version) {
                    return LiquibaseChangelog.read(version, Path.of(db.migrationsOf(version)));
                }

                @Override
                public SchemaVerdict judge(String release, ReleaseSchema target, List<ReleaseSchema> known) {
                    return guard.judge(release, target, known);
                }

                @Override
                public MigrationPlan pending(String version) {
                    return new LiquibaseMigrator(db.jdbcUrl(), user, password, db.table()).plan(record(version));
                }
            };
        }
        SchemaGuard flyway = new SchemaGuard(db.jdbcUrl(), user, password, db.table(), timeoutSeconds);
        SchemaGuard guard = noHistoryIsEmpty ? flyway.noHistoryIsEmpty() : flyway;
        return new SchemaJudge() {
            @Override
            public ReleaseSchema record(String version) {
                return ReleaseMigrations.scan(version, Path.of(db.migrationsOf(version))).record();
            }

            @Override
            public SchemaVerdict judge(String release, ReleaseSchema target, List<ReleaseSchema> known) {
                return guard.judge(ReleaseMigrations.of(release, target),
                        known.stream().map(k -> ReleaseMigrations.of(release, k)).toList());
            }

            @Override
            public MigrationPlan pending(String version) {
                Path dir = Path.of(db.migrationsOf(version));
                return new FlywayMigrator(db.jdbcUrl(), user, password, db.table())
                        .plan(ReleaseMigrations.scan(version, dir), dir);
            }
        };
    }
}
