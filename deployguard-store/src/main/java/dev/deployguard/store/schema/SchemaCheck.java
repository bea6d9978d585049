package dev.deployguard.store.schema;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.ReleaseSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code schema} check: the release being deployed must know the database's schema. Deploying a release older
 * than a contract migration already applied is the rollback trap by another door (a redeploy of an old version), so
 * it fails; an expand-only gap passes and says so; an unreadable history is an error, never a pass.
 */
public final class SchemaCheck implements Check {
    private final SchemaJudge judge;

    /** @param judge reads a release's migrations and judges it against the database */
    public SchemaCheck(SchemaJudge judge) {
        this.judge = Objects.requireNonNull(judge, "judge");
    }

    /** A Flyway check; {@code migrationsOf} is the migrations directory of a release version. */
    public SchemaCheck(SchemaGuard guard, Function<String, Path> migrationsOf) {
        this(new SchemaJudge() {
            @Override
            public ReleaseSchema record(String version) {
                return ReleaseMigrations.scan(version, migrationsOf.apply(version)).record();
            }

            @Override
            public SchemaVerdict judge(String release, ReleaseSchema target, List<ReleaseSchema> known) {
                return guard.judge(ReleaseMigrations.of(release, target), List.of());
            }
        });
    }

    @Override
    public String name() {
        return CheckNames.SCHEMA;
    }

    @Override
    public CheckResult run(CheckContext context) {
        String version = context.version();
        if (version == null) {
            return CheckResult.error(name(), "no release version given: cannot tell which migrations it ships",
                    "deploy with --version");
        }
        ReleaseSchema release;
        try {
            release = judge.record(version);
        } catch (DeployGuardException e) {
            return CheckResult.error(name(), e.getMessage(), "fix database.migrations in the app's spec");
        }
        SchemaVerdict v = judge.judge(version, release, List.of());
        if (v instanceof SchemaVerdict.Incompatible i) {
            return CheckResult.fail(name(), v.message(), "deploy a release that knows schema version "
                    + i.contract().get(i.contract().size() - 1).version() + ", or restore the database first");
        }
        if (v instanceof SchemaVerdict.CannotTell) {
            return CheckResult.error(name(), v.message(),
                    "check database.url and its credentials; the check cannot tell whether this release fits");
        }
        return CheckResult.pass(name(), v.message());
    }
}
