package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.DatabaseSpec;
import dev.deployguard.store.schema.FlywayMigrator;
import dev.deployguard.store.schema.LiquibaseChangelog;
import dev.deployguard.store.schema.LiquibaseMigrator;
import dev.deployguard.store.schema.Migration;
import dev.deployguard.store.schema.MigrationCommand;
import dev.deployguard.store.schema.MigrationPlan;
import dev.deployguard.store.schema.MigrationRun;
import dev.deployguard.store.schema.ReleaseMigrations;
import dev.deployguard.store.schema.Secrets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The expand/contract flow: a deploy runs the release's expand migrations before any traffic moves and holds its
 * contract migrations (and all after them) until the rollout and its bake have ended; {@code deployguard migrate
 * APP --contract} runs them then, on purpose. Each run is an event with its output, secrets masked. Migrations run
 * through Flyway's Java API, or through the configured command (an argument list, never a shell string).
 */
public final class MigrationFlow {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);

    private final Map<String, String> environment;
    private final EventLog events;

    /** @param environment where the database credentials are read, by the names in the spec */
    public MigrationFlow(Map<String, String> environment, EventLog events) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.events = Objects.requireNonNull(events, "events");
    }

    /**
     * At deploy, before the release's instances start: with {@code database.migrate: expand}, runs its pending expand
     * migrations and holds the rest.
     *
     * @param revision the new revision for the events, or null (on Kubernetes the cluster numbers revisions)
     * @return a line for the deploy's output; empty when the app does not let DeployGuard migrate
     * @throws DeployGuardException when the migrations cannot be planned or a run fails: the deploy stops before
     *                              any traffic moves
     */
    public Optional<String> beforeTraffic(AppSpec app, Integer revision, String version, String actor) {
        DatabaseSpec db = app.database();
        if (db == null || db.migrate() != DatabaseSpec.Migrate.EXPAND) {
            return Optional.empty();
        }
        MigrationPlan plan = plan(app, db, revision, version, actor);
        String line = runExpand(app, db, revision, version, plan, actor);
        if (!plan.held().isEmpty()) {
            String held = "held until the rollout and its bake have ended: " + MigrationPlan.describe(plan.held())
                    + "; run them then with: deployguard migrate " + app.name() + " --contract";
            events.record(app.name(), revision, actor, EventKinds.MIGRATION_HELD, held,
                    Map.of("held", plan.held().stream().map(Migration::version).toList()));
            line = line + "\n" + held;
        }
        return Optional.of(line);
    }

    /**
     * {@code deployguard migrate APP [--contract]} for the release with {@code version}: expand migrations only, or
     * with {@code contract} everything pending. Refused while a rollout (and its bake) runs: the stable release must
     * still be able to take the traffic back.
     */
    public String migrate(AppSpec app, Integer revision, String version, boolean contract, String activeRollout,
                          String actor) {
        DatabaseSpec db = app.database();
        if (db == null) {
            throw DeployGuardException.badInput("app '" + app.name() + "' has no database section; there is nothing"
                    + " to migrate (see docs/migrations.md)");
        }
        if (contract && activeRollout != null) {
            String why = "contract migrations of " + app.name() + " refused, nothing ran: " + activeRollout
                    + " has not ended (its bake included), and the stable release must still be able to take the"
                    + " traffic back; run this again once it has ended";
            events.record(app.name(), revision, actor, EventKinds.MIGRATION_REFUSED, why);
            throw new DeployGuardException(ExitCode.BUSY, why);
        }
        MigrationPlan plan = plan(app, db, revision, version, actor);
        if (!contract) {
            String line = runExpand(app, db, revision, version, plan, actor);
            return plan.held().isEmpty() ? line : line + "\nstill held: " + MigrationPlan.describe(plan.held())
                    + "; run them with: deployguard migrate " + app.name() + " --contract";
        }
        List<Migration> all = new ArrayList<>(plan.expand());
        all.addAll(plan.held());
        if (all.isEmpty()) {
            return "nothing to migrate: release " + version + "'s migrations are all applied";
        }
        MigrationRun run = run(app, db, version, "contract", Optional.empty(), all);
        record(app, revision, actor, run);
        return "migrated " + app.name() + " (contract phase of release " + version + "): " + run.applied().size()
                + " migration(s) applied: " + MigrationPlan.describe(all) + "\n" + run.output()
                + (plan.heldContract().isEmpty() ? "" : "\nreleases that do not know schema version "
                + plan.heldContract().get(plan.heldContract().size() - 1).version() + " can no longer be rolled back"
                + " to without --force-schema");
    }

    private String runExpand(AppSpec app, DatabaseSpec db, Integer revision, String version, MigrationPlan plan,
                             String actor) {
        if (plan.expand().isEmpty()) {
            return "expand migrations of release " + version + ": none pending";
        }
        MigrationRun run = run(app, db, version, "expand", plan.expandTarget(), plan.expand());
        record(app, revision, actor, run);
        return "expand migrations of release " + version + " ran before traffic moved: "
                + MigrationPlan.describe(plan.expand()) + "\n" + run.output();
    }

    private MigrationPlan plan(AppSpec app, DatabaseSpec db, Integer revision, String version, String actor) {
        try {
            if (db.tool() == DatabaseSpec.Tool.LIQUIBASE) {
                requireCredentials(db);
                return liquibase(db).plan(LiquibaseChangelog.read(version, dir(db, version)));
            }
            ReleaseMigrations release = ReleaseMigrations.scan(version, dir(db, version));
            return migrator(db).plan(release, dir(db, version));
        } catch (DeployGuardException e) {
            events.record(app.name(), revision, actor, EventKinds.MIGRATION_REFUSED, e.getMessage());
            throw e;
        }
    }

    private MigrationRun run(AppSpec app, DatabaseSpec db, String version, String phase, Optional<String> target,
                             List<Migration> planned) {
        if (db.command().isEmpty() && db.tool() == DatabaseSpec.Tool.LIQUIBASE) {
            // Changesets have no versions to stop at: the expand phase applies exactly the planned count.
            return liquibase(db).update(dir(db, version), phase, target.isPresent() ? planned.size() : null,
                    planned.stream().map(Migration::version).toList());
        }
        if (db.command().isEmpty()) {
            return migrator(db).migrate(dir(db, version), phase, target);
        }
        Map<String, String> env = new LinkedHashMap<>();
        credential(db.userEnv()).ifPresent(v -> env.put(db.userEnv(), v));
        credential(db.passwordEnv()).ifPresent(v -> env.put(db.passwordEnv(), v));
        env.put("DEPLOYGUARD_DATABASE_URL", db.jdbcUrl());
        env.put("DEPLOYGUARD_MIGRATIONS", dir(db, version).toString());
        return new MigrationCommand(db.command(), env, dir(db, version), COMMAND_TIMEOUT,
                new Secrets(credential(db.passwordEnv()).map(List::of).orElse(List.of())))
                .run(phase, target.orElse(null), planned.stream().map(Migration::version).toList());
    }

    private void record(AppSpec app, Integer revision, String actor, MigrationRun run) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("phase", run.phase());
        data.put("applied", run.applied());
        data.put("output", run.output());
        if (run.succeeded()) {
            events.record(app.name(), revision, actor, EventKinds.MIGRATION_RAN, run.phase() + " migrations ran: "
                    + run.applied().size() + " applied", data);
            return;
        }
        String why = run.phase() + " migrations of " + app.name() + " FAILED, no traffic moved: " + run.output();
        events.record(app.name(), revision, actor, EventKinds.MIGRATION_FAILED, why, data);
        throw new DeployGuardException(ExitCode.DEPLOY_FAILED, why);
    }

    private FlywayMigrator migrator(DatabaseSpec db) {
        requireCredentials(db);
        return new FlywayMigrator(db.jdbcUrl(), credential(db.userEnv()).orElse(null),
                credential(db.passwordEnv()).orElse(null), db.table());
    }

    private LiquibaseMigrator liquibase(DatabaseSpec db) {
        return new LiquibaseMigrator(db.jdbcUrl(), credential(db.userEnv()).orElse(null),
                credential(db.passwordEnv()).orElse(null), db.table());
    }

    private void requireCredentials(DatabaseSpec db) {
        List<String> unset = new ArrayList<>();
        for (String name : new String[] {db.userEnv(), db.passwordEnv()}) {
            if (name != null && environment.get(name) == null) {
                unset.add(name);
            }
        }
        if (!unset.isEmpty()) {
            throw new DeployGuardException(ExitCode.UNREACHABLE, "cannot migrate: environment variable "
                    + String.join(" and ", unset) + " is not set (database.userEnv / passwordEnv name it); set it"
                    + " where the control plane runs; nothing was migrated");
        }
    }

    private Optional<String> credential(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(environment.get(name));
    }

    private static Path dir(DatabaseSpec db, String version) {
        return Path.of(db.migrationsOf(version));
    }
}
