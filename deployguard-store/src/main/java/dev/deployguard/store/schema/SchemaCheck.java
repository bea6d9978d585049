package dev.deployguard.store.schema;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.release.ReleaseSchema;
import java.util.List;
import java.util.Objects;

/**
 * The {@code schema} check: the release being deployed must know the database's schema. Deploying a release older
 * than a contract migration already applied is the rollback trap by another door (a redeploy of an old version), so
 * it fails; an expand-only gap passes and says so; an unreadable history is an error, never a pass.
 */
public final class SchemaCheck implements Check {
    private final SchemaJudge judge;
    private final Canary canary;

    /**
     * Who applies a release's contract migrations during a progressive rollout. {@link #NONE}: no canary (a switch),
     * nothing to say; {@link #HELD}: DeployGuard runs expand only and holds contract ones until the rollout and its
     * bake end (said in the result); {@link #APP}: the app migrates itself at start, so its canary would apply
     * contract migrations while the stable release still serves: a failure.
     */
    public enum Canary { NONE, HELD, APP }

    /** @param judge reads a release's migrations and judges it against the database */
    public SchemaCheck(SchemaJudge judge) {
        this(judge, Canary.NONE);
    }

    /** @param canary what happens to the release's pending contract migrations while its canary runs */
    public SchemaCheck(SchemaJudge judge, Canary canary) {
        this.judge = Objects.requireNonNull(judge, "judge");
        this.canary = Objects.requireNonNull(canary, "canary");
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
        if (canary == Canary.NONE) {
            return CheckResult.pass(name(), v.message());
        }
        MigrationPlan plan;
        try {
            plan = judge.pending(version);
        } catch (DeployGuardException e) {
            return CheckResult.error(name(), e.getMessage(), "check database.url and its credentials");
        }
        List<Migration> contract = plan.heldContract();
        if (contract.isEmpty()) {
            return CheckResult.pass(name(), v.message() + "; no contract migration pending");
        }
        if (canary == Canary.HELD) {
            return CheckResult.pass(name(), v.message() + "; pending contract migration(s) "
                    + MigrationPlan.describe(contract) + " are held until the rollout and its bake have ended");
        }
        return CheckResult.fail(name(), "release " + version + " ships contract migration(s) not applied yet: "
                        + MigrationPlan.describe(contract) + "; the app migrates itself at start (database.migrate:"
                        + " none), so its canary would apply them while the stable release still serves",
                "set database.migrate: expand (DeployGuard then holds contract migrations until the rollout and its"
                        + " bake end: deployguard migrate APP --contract), or ship them in a later release");
    }
}
