package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.DrillSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
            store.activeRollout(app.name()).ifPresent(r -> {
                throw new DeployGuardException(dev.deployguard.error.ExitCode.BUSY, "app '" + app.name() + "' has a "
                        + r.kind() + " rollout of revision " + r.canaryRevision() + " in progress; promote or abort"
                        + " it before a drill");
            });
            events.record(app.name(), null, actor, EventKinds.DRILL_STARTED, "rollback drill of " + app.name()
                    + ": baseline " + versions.get(0) + ", candidate " + versions.get(1),
                    Map.of("baseline", versions.get(0), "candidate", versions.get(1)));
            return new Drill(app, versions.get(0), versions.get(1), probes, timeout, actor).run();
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * The drill of a Kubernetes Deployment app, also one Argo CD or Flux owns (its owner refused or paused first, per
     * {@code gitops.autoSync}); Helm releases and progressive strategies are refused.
     */
    private DrillReport runOnKubernetes(AppSpec app, DrillRequest req, String actor) {
        if (kubernetes == null) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is on Kubernetes, but this control plane"
                    + " has no Kubernetes support configured");
        }
        if (app.kubernetes().helm() != null) {
            throw DeployGuardException.badInput("app '" + app.name() + "' is a Helm release; drills run on"
                    + " Kubernetes Deployment apps only for now (rehearse with: deployguard deploy, then"
                    + " deployguard rollback " + app.name() + ")");
        }
        if (app.strategy().isProgressive()) {
            throw DeployGuardException.badInput("app '" + app.name() + "' deploys with a progressive strategy on"
                    + " Kubernetes; drills run on Kubernetes apps with the replace strategy only for now");
        }
        // An app Argo CD or Flux owns: the owner must not undo the drill's deploys (refused or paused, and recorded).
        kubernetes.holdOwner(app.name(), actor, "rollback drill").ifPresent(o -> events.record(app.name(), null,
                actor, EventKinds.GITOPS_OWNER, "rollback drill of an app " + o.describe(),
                Map.of("owner", o.title())));
        DrillSpec spec = app.drill() != null ? app.drill() : DrillSpec.DEFAULT;
        Duration timeout = req.timeout() != null ? req.timeout() : spec.timeout();
        boolean probesAsked = !req.probes().isEmpty() || !spec.probes().isEmpty();
        List<String> versions = versions(app.name(), !req.versions().isEmpty() ? req.versions() : spec.versions(),
                kubernetes.history(app.name()));
        Store.AppLock lock = store.lock("drill:" + app.name(), "drill " + versions.get(0) + " -> " + versions.get(1),
                holder, actor, clock.instant());
        try {
            events.record(app.name(), null, actor, EventKinds.DRILL_STARTED, "rollback drill of " + app.name()
                    + " on Kubernetes: baseline " + versions.get(0) + ", candidate " + versions.get(1),
                    Map.of("baseline", versions.get(0), "candidate", versions.get(1)));
            return new KubernetesDrill(kubernetes, events, clock, app, versions.get(0), versions.get(1), probesAsked,
                    timeout, actor + ACTOR_SUFFIX).run();
        } finally {
            store.unlock(lock);
        }
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

    /** One drill's run: its steps in order, each timed. */
    private final class Drill {
        private final AppSpec app;
        private final LocalPlatformSpec local;
        private final String baseline;
        private final String candidate;
        private final List<DrillSpec.Probe> probes;
        private final Duration timeout;
        private final String actor;
        private final DrillSteps steps;
        private final Instant started = clock.instant();

        Drill(AppSpec app, String baseline, String candidate, List<DrillSpec.Probe> probes, Duration timeout,
              String actor) {
            this.app = app;
            this.local = app.local();
            this.baseline = baseline;
            this.candidate = candidate;
            this.probes = probes;
            this.timeout = timeout;
            this.actor = actor + ACTOR_SUFFIX;
            this.steps = new DrillSteps(events, app.name(), this.actor, this::describe);
        }

        DrillReport run() {
            Release base = steps.run("deploy baseline", this::deployBaseline);
            if (base == null) {
                return finish(null, null, List.of(), "the baseline " + baseline + " could not be brought up");
            }
            ObservedState before = steps.run("record baseline", () -> {
                ObservedState s = observe();
                String bad = serves(s);
                if (bad != null) {
                    throw new DrillSteps.Failed("the baseline does not serve: " + bad);
                }
                return s;
            });
            if (before == null) {
                return finish(null, null, List.of(), "the baseline " + baseline + " does not serve as probed");
            }
            Release cand = steps.run("deploy candidate", this::deployCandidate);
            boolean candidateServes = false;
            if (cand != null) {
                candidateServes = steps.run("verify candidate", () -> {
                    ObservedState s = observe();
                    String bad = serves(s);
                    if (!candidate.equals(s.fields().get("release.version"))) {
                        bad = "serving " + s.fields().get("release.version") + ", not " + candidate;
                    }
                    if (bad != null) {
                        throw new DrillSteps.Failed("the candidate does not serve: " + bad);
                    }
                    return Boolean.TRUE;
                }) != null;
                steps.run("roll back", () -> deployer.rollback(app.name(), base.revision(), "drill: back to "
                        + baseline, actor).message());
            } else {
                steps.skip("verify candidate", "the candidate was never deployed");
                steps.skip("roll back", "traffic never left the baseline");
            }
            long t0 = System.nanoTime();
            ObservedState after = observe();
            List<ObservedState.Difference> diffs = before.differencesTo(after);
            steps.add(new DrillReport.Step("verify restored", diffs.isEmpty() ? DrillReport.Outcome.PASS
                    : DrillReport.Outcome.FAIL, DrillEvents.millis(t0), diffs.isEmpty() ? "every field equals the baseline ("
                    + before.fields().size() + " fields)" : diffs.size() + " field(s) differ: " + DrillEvents.names(diffs)));
            String summary = diffs.isEmpty() ? (cand != null && candidateServes ? "the app returned to its baseline"
                    : "the app is on its baseline, but the candidate step failed")
                    : "the rollback did not restore the baseline: " + DrillEvents.names(diffs) + " differ";
            return finish(before, after, diffs, summary);
        }

        private Release deployBaseline() {
            Optional<Release> serving = deployerServing();
            if (serving.isPresent() && serving.get().version().equals(baseline)) {
                return serving.get();
            }
            Release r = deployer.deploy(new Deployer.DeployRequest(app.name(), baseline, "drill: baseline "
                    + baseline, true, timeout, actor)).release();
            return settle(r);
        }

        private Release deployCandidate() {
            Release r = deployer.deploy(new Deployer.DeployRequest(app.name(), candidate, "drill: candidate "
                    + candidate, true, timeout, actor)).release();
            return settle(r);
        }

        /** A progressive strategy hands over to a rollout: promote it fully and wait for its end. */
        private Release settle(Release r) {
            if (store.activeRollout(app.name()).isEmpty()) {
                return r;
            }
            rollouts.command(app.name(), RolloutEngine.Command.PROMOTE_FULL, actor);
            Instant deadline = clock.instant().plus(timeout);
            while (true) {
                Optional<Rollout> active = store.activeRollout(app.name());
                if (active.isEmpty()) {
                    Rollout done = store.rollouts(app.name(), 1).get(0);
                    if (done.phase() != Rollout.Phase.SUCCEEDED) {
                        throw new DrillSteps.Failed("the rollout of " + r.version() + " ended " + done.phase() + ": "
                                + done.outcome());
                    }
                    return store.release(app.name(), r.revision()).orElseThrow();
                }
                if (clock.instant().isAfter(deadline)) {
                    throw new DrillSteps.Failed("the rollout of " + r.version() + " did not finish within "
                            + timeout.toSeconds() + "s (" + active.get().phase() + ")");
                }
                pause();
            }
        }

        private Optional<Release> deployerServing() {
            return store.history(app.name()).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED)
                    .reduce((a, b) -> b);
        }

        private ObservedState observe() {
            return observer.observe(app.name(), local, probes);
        }

        /** Null when every instance is ready and every probe answered as expected; else what is wrong. */
        private String serves(ObservedState s) {
            List<String> bad = new ArrayList<>();
            String ready = s.fields().get(StateObserver.READY);
            String[] rt = ready.split("/");
            if (!rt[0].equals(rt[1]) || rt[1].equals("0")) {
                bad.add(ready + " instances ready");
            }
            for (DrillSpec.Probe p : probes) {
                Integer status = StateObserver.status(s, p);
                if (status == null || status != p.expectStatus()) {
                    bad.add("GET " + p.path() + " answered " + s.fields().get(StateObserver.probeField(p, "status"))
                            + ", expected " + p.expectStatus());
                }
            }
            return bad.isEmpty() ? null : String.join("; ", bad);
        }


        private String describe(Object result) {
            if (result instanceof Release r) {
                return "revision " + r.revision() + " (" + r.version() + ") serving";
            }
            if (result instanceof ObservedState s) {
                return s.fields().size() + " fields recorded; " + s.fields().get(StateObserver.READY)
                        + " instances ready";
            }
            return result instanceof String text ? text : "ok";
        }



        private DrillReport finish(ObservedState before, ObservedState after, List<ObservedState.Difference> diffs,
                                   String summary) {
            return DrillEvents.finish(events, app.name(), actor, baseline, candidate, steps.all(),
                    DrillEvents.since(started, clock), deployerServing(), before, after, diffs, summary);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrillSteps.Failed("interrupted");
        }
    }

}
