package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseSchema;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.DatabaseSpec;
import dev.deployguard.store.schema.SchemaJudge;
import dev.deployguard.store.schema.SchemaVerdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place an operator-driven rollback asks whether the target release can run on today's schema: before any
 * traffic or object moves, it refuses a target when the database holds a contract migration newer than the target
 * knows (or when it cannot tell), unless forced; every answer is an event. Apps without a {@code database} section
 * pass unchecked.
 *
 * <p>Automatic rollbacks (a failing canary or blue/green aborted, the {@code --atomic} fallback) are not refused here:
 * the stable release never stopped serving, so refusing would only keep users on the release that just failed.
 * Keeping contract migrations out of a release until its rollout and bake end is what makes those safe.
 */
public final class SchemaGate {
    private static final int TIMEOUT_SECONDS = 10;

    private final Map<String, String> environment;
    private final EventLog events;

    /** @param environment where the database credentials are read, by the names in the spec */
    public SchemaGate(Map<String, String> environment, EventLog events) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.events = Objects.requireNonNull(events, "events");
    }

    /** Where the database credentials are read. */
    Map<String, String> environment() {
        return environment;
    }

    /**
     * Judges a rollback from {@code serving} (null when unknown) to {@code target}.
     *
     * @return a line for the rollback's output (compatible, expand-only gap, or forced), empty without a database
     * @throws DeployGuardException when the target would break on the schema, or the schema cannot be read, and the
     *                              rollback is not forced; nothing has changed then
     */
    public Optional<String> beforeRollback(AppSpec app, Release target, Release serving, boolean force, String actor) {
        DatabaseSpec db = app.database();
        if (db == null) {
            return Optional.empty();
        }
        SchemaVerdict verdict = judge(db, target, serving);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("target", target.revision());
        data.put("verdict", verdict.getClass().getSimpleName());
        if (verdict instanceof SchemaVerdict.Incompatible i) {
            data.put("contract", i.contract().stream().map(m -> m.version()).toList());
        }
        if (verdict.allowed()) {
            events.record(app.name(), target.revision(), actor, EventKinds.ROLLBACK_SCHEMA_CHECKED, verdict.message(),
                    data);
            return Optional.of(verdict.message());
        }
        if (force) {
            String message = "--force-schema by " + actor + ": rolling back to revision " + target.revision() + " ("
                    + target.version() + ") although " + verdict.message();
            events.record(app.name(), target.revision(), actor, EventKinds.ROLLBACK_SCHEMA_FORCED, message, data);
            return Optional.of(message);
        }
        events.record(app.name(), target.revision(), actor, EventKinds.ROLLBACK_SCHEMA_REFUSED, verdict.message(),
                data);
        throw new DeployGuardException(verdict instanceof SchemaVerdict.CannotTell ? ExitCode.UNREACHABLE
                : ExitCode.FAILURE, "rollback of " + app.name() + " to revision " + target.revision() + " ("
                + target.version() + ") refused, nothing was changed: " + verdict.message());
    }

    /**
     * The record a deploy of {@code version} keeps with its release: the migrations it ships and the schema version
     * it needs. Null for an app without a database section.
     *
     * @throws DeployGuardException (bad input) when the release's migrations are not where the spec says: a release
     *                              recorded without them could never be judged, so the deploy stops first
     */
    public ReleaseSchema record(AppSpec app, String version) {
        DatabaseSpec db = app.database();
        return db == null ? null : judge(db).record(version);
    }

    private SchemaVerdict judge(DatabaseSpec db, Release target, Release serving) {
        List<String> unset = new ArrayList<>();
        for (String name : new String[] {db.userEnv(), db.passwordEnv()}) {
            if (name != null && environment.get(name) == null) {
                unset.add(name);
            }
        }
        if (!unset.isEmpty()) {
            return new SchemaVerdict.CannotTell("environment variable " + String.join(" and ", unset) + " is not set"
                    + " (database.userEnv / passwordEnv name it); set it where the control plane runs");
        }
        SchemaJudge judge = judge(db);
        ReleaseSchema targetSchema;
        try {
            targetSchema = target.schema() != null ? target.schema() : judge.record(target.version());
        } catch (DeployGuardException e) {
            return new SchemaVerdict.CannotTell(e.getMessage());
        }
        List<ReleaseSchema> known = new ArrayList<>();
        if (serving != null && serving.schema() != null) {
            known.add(serving.schema());
        } else if (serving != null) {
            try {
                known.add(judge.record(serving.version()));
            } catch (DeployGuardException e) {
                // Without the serving release's files, applied migrations are classified by name: contract if unsure.
            }
        }
        return judge.judge(target.version(), targetSchema, known);
    }

    /** Reads the database's history with the credentials named in the spec (unset names are caught before). */
    SchemaJudge judge(DatabaseSpec db) {
        return SchemaJudge.of(db, db.userEnv() == null ? null : environment.get(db.userEnv()),
                db.passwordEnv() == null ? null : environment.get(db.passwordEnv()), TIMEOUT_SECONDS, false);
    }
}
