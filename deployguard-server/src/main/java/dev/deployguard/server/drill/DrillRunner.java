package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.DrillSpec;
import dev.deployguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The rollback drill: baseline up, its state recorded, candidate deployed and shown to serve, rolled back, and the
 * state compared field by field with the baseline. It runs in the control plane, through the same deploy and
 * rollback code operators use, so it tests what an incident would use; it keeps going when the CLI that asked for
 * it disconnects, so an interrupted drill still ends on the baseline. One drill per app at a time (a lock of its
 * own); each deploy and rollback step takes the app's lock as usual, so a concurrent deploy is refused (exit 4).
 */
public final class DrillRunner {
    private static final String ACTOR_SUFFIX = " (drill)";

    private final Store store;
    private final SpecSource specs;
    private final Deployer deployer;
    private final RolloutRunner rollouts;
    private final EventLog events;
    private final Clock clock;
    private final StateObserver observer;
    private final String holder = "drill-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
    private final KubernetesApps kubernetes;

    /** @param kubernetes drills apps with {@code platform.kubernetes} (Deployments); null when none can be */
    public DrillRunner(Store store, SpecSource specs, Deployer deployer, RolloutRunner rollouts,
                       LocalPlatform platform, EventLog events, Clock clock, KubernetesApps kubernetes) {
        this.kubernetes = kubernetes;
        this.store = store;
        this.specs = specs;
        this.deployer = deployer;
        this.rollouts = rollouts;
        this.events = events;
        this.clock = clock;
        this.observer = new StateObserver(store, platform);
    }

    /** Runs one drill to its end; throws only for bad input or a busy app (before anything changed). */
    public DrillReport run(DrillRequest req, String actor) {
        AppSpec app = specs.app(req.app());
        if (app.onKubernetes()) {
            return runOnKubernetes(app, req, actor);
        }
        if (app.local() == null) {
            throw DeployGuardException.badInput("app '" + app.name() + "' does not run on the local platform;"
                    + " drills run on the local platform only for now");
        }
        DrillSpec spec = app.drill() != null ? app.drill() : DrillSpec.DEFAULT;
        List<DrillSpec.Probe> probes = !req.probes().isEmpty() ? req.probes() : spec.probes();
        Duration timeout = req.timeout() != null ? req.timeout() : spec.timeout();
        List<String> versions = versions(app.name(), !req.versions().isEmpty() ? req.versions() : spec.versions());
        Store.AppLock lock = store.lock("drill:" + app.name(), "drill " + versions.get(0) + " -> " + versions.get(1),
                holder, actor, clock.instant());
        try {
            refuseDuringRollout(app.name());
            events.record(app.name(), null, actor, EventKinds.DRILL_STARTED, "rollback drill of " + app.name()
                    + ": baseline " + versions.get(0) + ", candidate " + versions.get(1),
                    Map.of("baseline", versions.get(0), "candidate", versions.get(1)));
            String drillActor = actor + ACTOR_SUFFIX;
            var target = new LocalDrillTarget(store, deployer, new DrillRollouts(store, rollouts, clock, timeout,
                    drillActor), observer, app, probes, timeout, drillActor);
            return new DrillScript(target, events, clock, app.name(), versions.get(0), versions.get(1), drillActor)
                    .run();
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * The drill of a Kubernetes app — a Deployment or a Helm release, with any strategy (a progressive rollout,
     * canary or blue/green, is promoted to its end) —, also one Argo CD or Flux owns (its owner refused or paused
     * first, per {@code gitops.autoSync}).
     */
    private DrillReport runOnKubernetes(AppSpec app, DrillRequest req, String actor) {
        if (kubernetes == null) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is on Kubernetes, but this control plane"
                    + " has no Kubernetes support configured");
        }
        // An app Argo CD or Flux owns: the owner must not undo the drill's deploys (refused or paused, and recorded).
        kubernetes.holdOwner(app.name(), actor, "rollback drill").ifPresent(o -> events.record(app.name(), null,
                actor, EventKinds.GITOPS_OWNER, "rollback drill of an app " + o.describe(),
                Map.of("owner", o.title())));
        DrillSpec spec = app.drill() != null ? app.drill() : DrillSpec.DEFAULT;
        Duration timeout = req.timeout() != null ? req.timeout() : spec.timeout();
        boolean probesAsked = !req.probes().isEmpty() || !spec.probes().isEmpty();
        List<String> given = !req.versions().isEmpty() ? req.versions() : spec.versions();
        List<String> versions = versions(app.name(), given, given.isEmpty()
                ? KubernetesDrillTarget.releases(kubernetes, app) : List.of());
        Store.AppLock lock = store.lock("drill:" + app.name(), "drill " + versions.get(0) + " -> " + versions.get(1),
                holder, actor, clock.instant());
        try {
            refuseDuringRollout(app.name());
            events.record(app.name(), null, actor, EventKinds.DRILL_STARTED, "rollback drill of " + app.name()
                    + " on Kubernetes: baseline " + versions.get(0) + ", candidate " + versions.get(1),
                    Map.of("baseline", versions.get(0), "candidate", versions.get(1)));
            String drillActor = actor + ACTOR_SUFFIX;
            var target = new KubernetesDrillTarget(kubernetes, new DrillRollouts(store, rollouts, clock, timeout,
                    drillActor), app, probesAsked, timeout, drillActor);
            return new DrillScript(target, events, clock, app.name(), versions.get(0), versions.get(1), drillActor)
                    .run();
        } finally {
            store.unlock(lock);
        }
    }

    private void refuseDuringRollout(String app) {
        store.activeRollout(app).ifPresent(r -> {
            throw new DeployGuardException(dev.deployguard.error.ExitCode.BUSY, "app '" + app + "' has a "
                    + r.kind().words() + " rollout of revision " + r.canaryRevision() + " in progress; promote or abort"
                    + " it before a drill");
        });
    }

    private List<String> versions(String app, List<String> given) {
        return versions(app, given, given.isEmpty() ? store.history(app) : List.of());
    }

    /** [baseline, candidate]: as given, or the serving version and the newest other version that served. */
    private static List<String> versions(String app, List<String> given, List<Release> history) {
        if (!given.isEmpty()) {
            if (given.size() != 2 || given.get(0).isBlank() || given.get(1).isBlank()
                    || given.get(0).equals(given.get(1))) {
                throw DeployGuardException.badInput("--versions expects two different versions BASELINE,CANDIDATE,"
                        + " e.g. --versions v1,v2; got " + given);
            }
            return given;
        }
        Release serving = history.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).reduce((a, b) -> b)
                .orElseThrow(() -> DeployGuardException.badInput("app '" + app + "' has no serving release to take"
                        + " as the baseline; name both: deployguard drill " + app + " --versions BASELINE,CANDIDATE"));
        String candidate = history.stream().filter(r -> !r.version().equals(serving.version())
                        && (r.status() == ReleaseStatus.SUPERSEDED || r.status() == ReleaseStatus.ROLLED_BACK))
                .reduce((a, b) -> b).map(Release::version)
                .orElseThrow(() -> DeployGuardException.badInput("app '" + app + "' has served only "
                        + serving.version() + "; name the candidate: deployguard drill " + app + " --versions "
                        + serving.version() + ",CANDIDATE (or drill.versions in the spec)"));
        return List.of(serving.version(), candidate);
    }
}
