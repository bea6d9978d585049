package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Identifiers;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.check.DeployChecks;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.supplychain.deploy.ImageAdmission;
import dev.deployguard.supplychain.deploy.ImageGate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Deploys and rolls back releases on the local platform. The order is always: start and wait for readiness,
 * switch traffic at the router, record, then clean up; so a failure before the switch leaves users on the old
 * release, and a rollback is a switch to still-warm processes first and a cleanup second.
 */
public final class Deployer {
    private final Store store;
    private final SpecSource specs;
    private final LocalPlatform platform;
    private final RouterProcesses routers;
    private final EventLog events;
    private final AppLocks appLocks;
    private final Clock clock;
    private final String holder;
    private final LocalInstances running;
    private final RolloutRunner rollouts;
    private final DeployChecks checks;
    private final ImageGate imageGate = ImageGate.standard();
    private final SchemaGate schemaGate;
    private final MigrationFlow migrations;

    /**
     * @param running the local instances' lifecycle, shared with the local rollout targets
     * @param rollouts where progressive strategies hand over once the new release is ready
     * @param checks the pre-deployment checklist every deploy runs first (a rollback does not: it is the fast path)
     */
    public Deployer(Store store, SpecSource specs, LocalPlatform platform, RouterProcesses routers,
                    EventLog events, AppLocks appLocks, Clock clock, String holder, LocalInstances running,
                    RolloutRunner rollouts, DeployChecks checks) {
        this(store, specs, platform, routers, events, appLocks, clock, holder, running, rollouts, checks,
                new SchemaGate(System.getenv(), events));
    }

    /** @param schemaGate refuses a rollback onto a schema the target release cannot use */
    public Deployer(Store store, SpecSource specs, LocalPlatform platform, RouterProcesses routers,
                    EventLog events, AppLocks appLocks, Clock clock, String holder, LocalInstances running,
                    RolloutRunner rollouts, DeployChecks checks, SchemaGate schemaGate) {
        this.schemaGate = schemaGate;
        this.migrations = new MigrationFlow(schemaGate.environment(), events);
        this.store = store;
        this.specs = specs;
        this.platform = platform;
        this.routers = routers;
        this.events = events;
        this.appLocks = appLocks;
        this.clock = clock;
        this.holder = holder;
        this.running = running;
        this.rollouts = rollouts;
        this.checks = checks;
    }

    String holder() {
        return holder;
    }

    /** A deploy request as the CLI and API send it. */
    public record DeployRequest(String app, String version, String changeCause, boolean atomic, Duration timeout,
                                String actor, boolean skipChecks) {
        /** A request that runs the pre-deployment checklist first. */
        public DeployRequest(String app, String version, String changeCause, boolean atomic, Duration timeout,
                             String actor) {
            this(app, version, changeCause, atomic, timeout, actor, false);
        }
    }

    public DeployResult deploy(DeployRequest req) {
        Identifiers.version(req.version());
        Identifiers.changeCause(req.changeCause());
        AppSpec app = specs.app(req.app());
        // The image first, even with --skip-checks: a bad signature is never deployed, and an outage names (or
        // uses) the last known-good release.
        ImageAdmission image = app.image() == null ? null : imageGate.admit(app.name(), app.image(), req.version(),
                store.history(app.name()), (kind, message, data) -> events.record(app.name(), null, req.actor(),
                        kind, message, data));
        if (checks != null) {
            checks.admit(app, req.version(), req.skipChecks(), req.actor());
        }
        LocalPlatformSpec local = app.local();
        var draft = new Release(app.name(), 1, req.version(), local.command(), local.env(), local.instances(),
                configHash(req.version(), local), req.changeCause(), req.actor(), clock.instant(),
                ReleaseStatus.PROGRESSING, null, image == null ? null : image.image(),
                schemaGate.record(app, req.version()));
        String imageWarning = image == null ? null : image.warning();
        // Refuse a command that cannot run before anything is recorded or started.
        try {
            LocalPlatform.resolveExecutable(local.command().get(0), local.workingDir(), draft);
        } catch (DeployGuardException e) {
            events.record(app.name(), null, req.actor(), EventKinds.OPERATION_REFUSED,
                    "deploy " + req.version() + " refused: " + e.getMessage());
            throw e;
        }
        store.activeRollout(app.name()).ifPresent(r -> {
            throw RolloutRunner.busy(app.name(), r);
        });
        Store.AppLock lock = store.lock(app.name(), "deploy " + req.version(), holder, req.actor(), clock.instant());
        try {
            routers.ensure(app.name(), local, req.actor());
            Optional<Release> previous = serving(app.name());
            Release release = store.createRelease(draft);
            events.record(app.name(), release.revision(), req.actor(), EventKinds.DEPLOY_STARTED,
                    "deploying " + release.version() + " as revision " + release.revision()
                            + previous.map(p -> " (serving: revision " + p.revision() + ", " + p.version() + ")")
                            .orElse(" (first release)"),
                    changeCauseData(release));
            Optional<String> migrated;
            try {
                // Expand migrations before any instance starts; contract ones wait for the rollout and bake.
                migrated = migrations.beforeTraffic(app, release.revision(), release.version(), req.actor());
            } catch (DeployGuardException e) {
                return failDeploy(release, previous, List.of(), local, req, e.getMessage());
            }
            Duration timeout = req.timeout() != null ? req.timeout() : local.readiness().timeout();
            List<Instance> started = startInstances(release, local, req.actor());
            LocalPlatform.Readiness ready = started.isEmpty() ? new LocalPlatform.Readiness(false, "no instance")
                    : platform.awaitReady(started, local.readiness(), timeout, () -> false);
            if (!ready.ready()) {
                return failDeploy(release, previous, started, local, req, ready.reason());
            }
            events.record(app.name(), release.revision(), req.actor(), EventKinds.INSTANCE_READY, ready.reason());
            if (app.strategy().isProgressive() && previous.isPresent() && rollouts != null) {
                Rollout r = rollouts.begin(release, previous.get(), app, req.actor());
                String msg = r.kind().words() + " rollout of " + release.version() + " (revision " + release.revision()
                        + ") " + (r.phase().isDone() ? "finished: " + r.phase() + " " + r.outcome()
                        : "started: canary weight " + RolloutEngine.percent(r.weight()) + ", "
                        + (r.waiting() == null ? r.phase() : "waiting for " + r.waiting().text())
                        + "; follow it with: deployguard status " + app.name() + " --watch");
                return new DeployResult(release, previous.get().revision(), 0, (imageWarning == null ? msg
                        : imageWarning + "\n" + msg) + migrated.map(m -> "\n" + m).orElse(""));
            }
            long switchMillis = running.switchTraffic(release, started, req.actor());
            if (req.atomic()) {
                // Atomic: the release must still answer after it took the traffic; otherwise traffic goes back.
                List<Instance> unhealthy = started.stream()
                        .filter(i -> !platform.isAlive(i) || !platform.probe(i, local.readiness().path(),
                                Duration.ofSeconds(2))).toList();
                if (!unhealthy.isEmpty() && previous.isPresent()) {
                    List<Instance> prevInstances = running.instancesOf(app.name(), previous.get().revision());
                    if (!prevInstances.isEmpty()) {
                        running.switchTraffic(previous.get(), prevInstances, req.actor());
                        return failDeploy(release, previous, started, local, req, unhealthy.size()
                                + " instance(s) stopped answering right after the switch");
                    }
                }
            }
            store.markDeployed(app.name(), release.revision());
            Release deployed = release.withStatus(ReleaseStatus.DEPLOYED);
            running.cleanup(app.name(), local, keep(deployed, previous, local), req.actor());
            String msg = (imageWarning == null ? "" : imageWarning + "\n") + "revision " + deployed.revision()
                    + " (" + deployed.version() + ") is serving 100% of " + app.name() + " traffic; switch took "
                    + switchMillis + " ms";
            events.record(app.name(), deployed.revision(), req.actor(), EventKinds.DEPLOY_SUCCEEDED, msg,
                    Map.of("switchMillis", switchMillis));
            return new DeployResult(deployed, previous.map(Release::revision).orElse(null), switchMillis,
                    msg + migrated.map(m -> "\n" + m).orElse(""));
        } finally {
            store.unlock(lock);
        }
    }

    private DeployResult failDeploy(Release release, Optional<Release> previous, List<Instance> started,
                                    LocalPlatformSpec local, DeployRequest req, String reason) {
        store.setStatus(release.app(), release.revision(), ReleaseStatus.FAILED);
        String where = previous.map(p -> "traffic stays on revision " + p.revision() + " (" + p.version() + ")")
                .orElse("nothing was serving before, so nothing serves now");
        events.record(release.app(), release.revision(), req.actor(), EventKinds.DEPLOY_FAILED,
                "revision " + release.revision() + " (" + release.version() + ") failed: " + reason,
                Map.of("reason", reason));
        if (req.atomic()) {
            running.stopAll(started, local, req.actor(), "atomic deploy failed");
            events.record(release.app(), release.revision(), req.actor(), EventKinds.ATOMIC_ROLLBACK,
                    "atomic deploy of " + release.version() + " undone: " + where);
        }
        throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "deploy of " + release.app() + " "
                + release.version() + " (revision " + release.revision() + ") FAILED: " + reason + "\n" + where
                + (req.atomic() ? "; the new instances were stopped"
                : "; the new instances are left running for inspection (deployguard logs " + release.app()
                + " --revision " + release.revision() + ")"));
    }

    /** Rolls back to {@code toRevision}, or to the most recent release before the serving one. */
    public DeployResult rollback(String appName, Integer toRevision, String changeCause, String actor) {
        return rollback(appName, toRevision, changeCause, actor, false);
    }

    /**
     * Rolls back as {@link #rollback(String, Integer, String, String)}, first refusing a target that cannot run on
     * the database's schema unless {@code forceSchema} (recorded with the actor).
     */
    public DeployResult rollback(String appName, Integer toRevision, String changeCause, String actor,
                                 boolean forceSchema) {
        AppSpec app = specs.app(appName);
        LocalPlatformSpec local = app.local();
        if (rollouts != null && rollouts.hasActive(appName) && toRevision == null) {
            // During a rollout, "roll back" means: abort it, all traffic back to stable now.
            Rollout r = rollouts.command(appName, RolloutEngine.Command.ABORT, actor);
            Release stable = store.release(appName, r.stableRevision()).orElseThrow();
            return new DeployResult(stable, r.canaryRevision(), 0, "aborted the " + r.kind().words() + " rollout of revision "
                    + r.canaryRevision() + "; all traffic is back on revision " + r.stableRevision() + " ("
                    + stable.version() + ")");
        }
        store.activeRollout(appName).ifPresent(r -> {
            throw RolloutRunner.busy(appName, r);
        });
        Store.AppLock lock = store.lock(appName, "rollback" + (toRevision == null ? "" : " to " + toRevision),
                holder, actor, clock.instant());
        try {
            List<Release> history = store.history(appName);
            if (history.isEmpty()) {
                throw DeployGuardException.notFound("app '" + appName + "' has no releases yet; deploy one first");
            }
            Release current = serving(appName).orElseThrow(() -> new DeployGuardException(ExitCode.FAILURE,
                    "app '" + appName + "' has no serving release to roll back from; deploy or"
                            + " rollback --to-revision N to bring one up"));
            Release target = toRevision != null
                    ? history.stream().filter(r -> r.revision() == toRevision).findFirst()
                    .orElseThrow(() -> DeployGuardException.notFound("app '" + appName + "' has no revision "
                            + toRevision + "; it has revisions 1 to " + history.get(history.size() - 1).revision()
                            + " (see: deployguard history " + appName + ")"))
                    : history.stream().filter(r -> r.revision() < current.revision()
                            && r.status() == ReleaseStatus.SUPERSEDED)
                    .reduce((a, b) -> b).orElseThrow(() -> new DeployGuardException(ExitCode.FAILURE,
                            "app '" + appName + "' has no earlier release that served traffic; nothing to roll back"
                                    + " to (see: deployguard history " + appName + ")"));
            if (target.revision() == current.revision()) {
                throw DeployGuardException.badInput("revision " + target.revision() + " is already serving "
                        + appName + "; nothing to roll back");
            }
            // Before anything moves: a release put back onto a schema it does not know breaks or corrupts data.
            Optional<String> schema = schemaGate.beforeRollback(app, target, current, forceSchema, actor);
            routers.ensure(appName, local, actor);
            Release release = store.createRelease(new Release(appName, 1, target.version(), target.command(),
                    target.env(), target.instances(), target.configHash(),
                    changeCause != null ? changeCause : "Rollback to " + target.revision(), actor, clock.instant(),
                    ReleaseStatus.PROGRESSING, target.revision(), target.image(), target.schema()));
            events.record(appName, release.revision(), actor, EventKinds.ROLLBACK_STARTED,
                    "rolling back from revision " + current.revision() + " (" + current.version() + ") to revision "
                            + target.revision() + " (" + target.version() + ") as revision " + release.revision(),
                    Map.of("from", current.revision(), "to", target.revision()));
            List<Instance> warm = running.instancesOf(appName, target.revision()).stream()
                    .filter(i -> platform.isAlive(i)
                            && platform.probe(i, local.readiness().path(), Duration.ofSeconds(1)))
                    .toList();
            List<Instance> serving;
            boolean fast = warm.size() >= target.instances();
            var monitor = appLocks.of(appName);
            if (fast) {
                monitor.lock();
                try {
                    store.reassignInstances(appName, target.revision(), release.revision());
                } finally {
                    monitor.unlock();
                }
                serving = warm.stream().map(i -> i.withRevision(release.revision())).toList();
            } else {
                // Not warm: bring the target up again first; users stay on the current release meanwhile.
                running.stopAll(running.instancesOf(appName, target.revision()), local, actor,
                        "replaced by a fresh start for the rollback");
                serving = startInstances(release, local, actor);
                var ready = platform.awaitReady(serving, local.readiness(), local.readiness().timeout(), () -> false);
                if (!ready.ready()) {
                    store.setStatus(appName, release.revision(), ReleaseStatus.FAILED);
                    running.stopAll(serving, local, actor, "rollback target not ready");
                    events.record(appName, release.revision(), actor, EventKinds.ROLLBACK_FAILED,
                            "rollback to revision " + target.revision() + " failed: " + ready.reason());
                    throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "rollback of " + appName
                            + " to revision " + target.revision() + " FAILED: " + ready.reason()
                            + "\ntraffic stays on revision " + current.revision() + " (" + current.version() + ")");
                }
            }
            long switchMillis = running.switchTraffic(release, serving, actor);
            store.markDeployed(appName, release.revision());
            store.setStatus(appName, current.revision(), ReleaseStatus.ROLLED_BACK);
            Release deployed = release.withStatus(ReleaseStatus.DEPLOYED);
            running.cleanup(appName, local, List.of(deployed.revision()), actor);
            String msg = "rolled back " + appName + " to " + target.version() + " (revision " + deployed.revision()
                    + ", a copy of revision " + target.revision() + "); " + (fast ? "warm" : "cold")
                    + " switch took " + switchMillis + " ms";
            events.record(appName, deployed.revision(), actor, EventKinds.ROLLBACK_SUCCEEDED, msg,
                    Map.of("switchMillis", switchMillis, "warm", fast, "from", current.revision(),
                            "to", target.revision()));
            return new DeployResult(deployed, current.revision(), switchMillis,
                    schema.map(line -> msg + "\n" + line).orElse(msg));
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * {@code deployguard migrate APP [--contract]}: the migrations of release {@code version} (default: the serving
     * one), under the app's lock; contract ones only once no rollout (bake included) runs.
     */
    public String migrate(String appName, String version, boolean contract, String actor) {
        AppSpec app = specs.app(appName);
        Optional<Release> serving = serving(appName);
        Release release = version == null ? serving.orElseThrow(() -> DeployGuardException.badInput("app '"
                + appName + "' has no serving release here; name the release to migrate with --version"))
                : serving.filter(r -> r.version().equals(Identifiers.version(version))).orElse(null);
        String active = store.activeRollout(appName).map(r -> "the " + r.kind().words() + " rollout of revision "
                + r.canaryRevision()).orElse(null);
        Store.AppLock lock = store.lock(appName, "migrate" + (contract ? " --contract" : ""), holder, actor,
                clock.instant());
        try {
            return migrations.migrate(app, release == null ? null : release.revision(),
                    release == null ? version : release.version(), contract, active, actor);
        } finally {
            store.unlock(lock);
        }
    }

    List<Instance> startInstances(Release release, LocalPlatformSpec local, String actor) {
        List<Instance> started = new ArrayList<>();
        for (int i = 0; i < release.instances(); i++) {
            Instance inst;
            try {
                inst = platform.start(release, local, i);
            } catch (DeployGuardException e) {
                running.stopAll(started, local, actor, "sibling failed to start");
                store.setStatus(release.app(), release.revision(), ReleaseStatus.FAILED);
                events.record(release.app(), release.revision(), actor, EventKinds.DEPLOY_FAILED, e.getMessage());
                throw e;
            }
            store.saveInstance(inst);
            started.add(inst);
            events.record(release.app(), release.revision(), actor, EventKinds.INSTANCE_STARTED,
                    "instance " + i + " of " + release.version() + " started: pid " + inst.pid() + ", port "
                            + inst.port(), Map.of("pid", inst.pid(), "port", inst.port(), "log", inst.logFile()));
        }
        return started;
    }

    private List<Integer> keep(Release deployed, Optional<Release> previous, LocalPlatformSpec local) {
        List<Integer> keep = new ArrayList<>(List.of(deployed.revision()));
        if (local.keepPreviousWarm()) {
            previous.ifPresent(p -> keep.add(p.revision()));
        }
        return keep;
    }

    Optional<Release> serving(String app) {
        return store.history(app).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED)
                .reduce((a, b) -> b);
    }

    private static Map<String, Object> changeCauseData(Release r) {
        Map<String, Object> m = new TreeMap<>();
        m.put("version", r.version());
        m.put("configHash", r.configHash());
        if (r.changeCause() != null) {
            m.put("changeCause", r.changeCause());
        }
        return m;
    }

    /** A stable hash of everything that defines how a release runs. */
    static String configHash(String version, LocalPlatformSpec local) {
        var sb = new StringBuilder();
        sb.append("version=").append(version).append('\n');
        local.command().forEach(a -> sb.append("arg=").append(a).append('\n'));
        new TreeMap<>(local.env()).forEach((k, v) -> sb.append("env:").append(k).append('=').append(v).append('\n'));
        sb.append("instances=").append(local.instances()).append('\n');
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
