// Over 400 lines: AppOperations of Deployments; all read one Deployment's revisions through shared helpers.
package dev.deployguard.server.kubernetes;

import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.kubernetes.client.KubeClientCache;
import dev.deployguard.kubernetes.deployment.Annotations;
import dev.deployguard.kubernetes.deployment.DeploymentHistory;
import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.deployment.DeploymentUpdate;
import dev.deployguard.kubernetes.deployment.Revision;
import dev.deployguard.kubernetes.deployment.RollbackResult;
import dev.deployguard.kubernetes.deployment.RolloutStatus;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.gitops.Owner;
import dev.deployguard.release.Identifiers;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.check.DeployChecks;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.MigrationFlow;
import dev.deployguard.server.deploy.SchemaGate;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import dev.deployguard.supplychain.deploy.ImageAdmission;
import dev.deployguard.supplychain.deploy.ImageGate;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

// Over 400 lines: deploy, rollback, history and status of one Deployment app share their Target and cluster reads.
/**
 * The control plane's commands for apps whose spec says {@code platform.kubernetes} (a Helm release goes to
 * {@link HelmApps}) with a Deployment: deploy
 * (image update + change-cause, wait, {@code --atomic} undo), rollback (kubectl undo semantics), history and status
 * read live from the cluster, so they agree with {@code kubectl rollout history}. Operations take the app's lock in
 * the store and record events there, as for local apps.
 */
public final class KubernetesApps implements dev.deployguard.server.deploy.AppOperations {
    private final Store store;
    private final SpecSource specs;
    private final EventLog events;
    private final Clock clock;
    private final String holder;
    private final Function<KubernetesSpec, KubernetesClient> clients;
    private final Duration pollEvery;
    private final ImageGate imageGate = ImageGate.standard();
    private final HelmApps helm;
    private final DeployChecks checks;
    private final RolloutRunner rollouts;
    private final KubernetesRollouts canaries;
    private final SchemaGate schemaGate;
    private final ReleaseSchemas schemas;
    /** Writes the restore commit after a rollback of an app with {@code gitops.git}; null: not wired. */
    private final GitCatchUp git;
    private final ClusterImages images;
    private final MigrationFlow migrations;
    private final GitOpsRollback gitops;
    /** The shared clients this instance made (closed with it); null when the caller supplied the clients. */
    private KubeClientCache ownedClients;

    /**
     * Deploy, rollback, history and status without progressive rollouts or checks, with one shared client per
     * cluster (see {@link KubeClientCache}) closed by {@link #close()}.
     */
    public KubernetesApps(Store store, SpecSource specs, EventLog events, Clock clock, String holder) {
        this(store, specs, events, clock, holder, new KubeClientCache(), Duration.ofMillis(500), null, null, null);
        this.ownedClients = (KubeClientCache) clients;
    }

    /**
     * @param clients the control plane's shared client per cluster (its close hands it back)
     * @param rollouts runs canaries ({@code strategy.canary} with {@code platform.kubernetes.traffic}) and blue/green
     *                 rollouts ({@code platform.kubernetes.service}); null: plain deploys only
     * @param canaries the cluster's side of those rollouts (preparation before the runner begins them)
     * @param checks the pre-deployment checklist every deploy runs first (a rollback does not: it is the fast path)
     */
    public KubernetesApps(Store store, SpecSource specs, EventLog events, Clock clock, String holder,
                          Function<KubernetesSpec, KubernetesClient> clients, Duration pollEvery,
                          RolloutRunner rollouts, KubernetesRollouts canaries, DeployChecks checks) {
        this(store, specs, events, clock, holder, clients, pollEvery, rollouts, canaries, checks, null);
    }

    /** As above; {@code git} makes git say what runs after each rollback of an app with {@code gitops.git}. */
    public KubernetesApps(Store store, SpecSource specs, EventLog events, Clock clock, String holder,
                          Function<KubernetesSpec, KubernetesClient> clients, Duration pollEvery,
                          RolloutRunner rollouts, KubernetesRollouts canaries, DeployChecks checks, GitCatchUp git) {
        this.git = git;
        this.store = store;
        this.specs = specs;
        this.events = events;
        this.clock = clock;
        this.holder = holder;
        this.clients = clients;
        this.pollEvery = pollEvery;
        this.rollouts = rollouts;
        this.canaries = canaries;
        this.checks = checks;
        this.helm = new HelmApps(store, events, clock, holder, clients, pollEvery, git);
        this.schemaGate = new SchemaGate(System.getenv(), events);
        this.schemas = new ReleaseSchemas(store, schemaGate);
        this.images = new ClusterImages(events, clock, pollEvery);
        this.migrations = new MigrationFlow(System.getenv(), events);
        this.gitops = new GitOpsRollback(events, clock, d -> Thread.sleep(d.toMillis()), pollEvery);
        if (git != null) {
            events.addListener(new AbortGitRestore(git, specs, store)); // aborted rollouts restore git too
        }
    }

    /** Closes the Kubernetes clients this instance made (the control plane is stopping). */
    public void close() {
        if (ownedClients != null) {
            ownedClients.close();
        }
    }

    /** True when the spec declares {@code app} on Kubernetes (false when unknown or the spec cannot be read). */
    public boolean manages(String app) {
        try {
            return specs.get().app(app).map(AppSpec::onKubernetes).orElse(false);
        } catch (DeployGuardException e) {
            return false;
        }
    }

    @Override
    public DeployResult deploy(Deployer.DeployRequest req) {
        Identifiers.version(req.version());
        Identifiers.changeCause(req.changeCause());
        AppSpec helmApp = helmApp(req.app());
        if (helmApp != null) {
            schemas.record(helmApp, req.version()); // before anything moves; HelmApps' rollbacks read it back
            return rollouts != null && KubernetesRollouts.drives(helmApp)
                    ? helm.deployProgressive(helmApp, req, checks, rollouts, canaries)
                    : helm.deploy(helmApp, req, checks);
        }
        Target t = target(req.app());
        if (checks != null) {
            checks.admit(specs.app(req.app()), req.version(), req.skipChecks(), req.actor());
        }
        Store.AppLock lock = store.lock(t.app, "deploy " + req.version(), holder, req.actor(), clock.instant());
        try (KubernetesClient client = clients.apply(t.spec)) {
            Deployment before = readOrNull(client, t);
            String image = image(client, t, req, before);
            // The release's schema record, under the version its revision will show (tag, or digest if pinned).
            schemas.record(t.appSpec, req.version(), image == null ? null : version(image));
            if (store.activeRollout(t.app).isEmpty()) { // a rollout in progress: refused after this, unchanged
                images.prePull(client, t.app, t.spec, before, image, req.actor());
            }
            // Expand migrations before any pod of the release starts (its image already on the nodes); contract
            // ones wait (database.migrate).
            migrations.beforeTraffic(t.appSpec, null, req.version(), req.actor());
            if (rollouts != null && KubernetesRollouts.drives(t.appSpec)) {
                return canaries.deploy(rollouts, t.appSpec, req, image, () -> current(client, t));
            }
            long from = before == null ? 0 : revisionOf(before);
            try {
                // Recorded before the write: the timeline shows the attempt even when the update is refused.
                events.record(t.app, from == 0 ? null : (int) from, req.actor(), EventKinds.DEPLOY_STARTED,
                        "deploying " + req.version() + (image == null ? "" : " (" + image + ")") + " to deployment "
                                + t.where()
                                + (from == 0 ? "" : " (serving: revision " + from + ")"),
                        image == null ? Map.of() : Map.of("image", image));
                DeploymentUpdate.Result r = new DeploymentUpdate(client).setImage(t.spec.namespace(), t.deployment,
                        t.spec.container(), image, changeCause(req), req.actor());
                from = r.fromRevision();
                if (!r.changed()) {
                    Release current = current(client, t);
                    events.record(t.app, current == null ? null : current.revision(), req.actor(),
                            EventKinds.DEPLOY_SUCCEEDED, "deployment " + t.where() + " already runs " + image);
                    return new DeployResult(current, (int) from, 0, "deployment " + t.where() + " already runs "
                            + image + "; nothing changed");
                }
                RolloutStatus s = await(client, t, req.timeout(), req.actor());
                if (s.state() == RolloutStatus.State.COMPLETE) {
                    Release current = current(client, t);
                    events.record(t.app, current == null ? null : current.revision(), req.actor(),
                            EventKinds.DEPLOY_SUCCEEDED, s.message());
                    return new DeployResult(current, (int) from, 0, "revision " + (current == null ? "?"
                            : current.revision()) + " (" + req.version() + ") rolled out: " + s.message());
                }
                events.record(t.app, null, req.actor(), EventKinds.DEPLOY_FAILED, s.message());
                if (!req.atomic()) {
                    throw new DeployGuardException(ExitCode.DEPLOY_FAILED, s.message() + "; the Deployment keeps"
                            + " the new template; roll back with: deployguard rollback " + t.app);
                }
                return atomicUndo(client, t, req, from, s);
            } catch (DeployGuardException e) {
                if (e.exitCode() != ExitCode.DEPLOY_FAILED) {
                    events.record(t.app, from == 0 ? null : (int) from, req.actor(), EventKinds.DEPLOY_FAILED,
                            "deploy " + req.version() + " failed: " + e.getMessage());
                }
                throw e;
            }
        } finally {
            store.unlock(lock);
        }
    }

    private DeployResult atomicUndo(KubernetesClient client, Target t, Deployer.DeployRequest req, long from,
                                    RolloutStatus failed) {
        RollbackResult undo = new DeploymentRollback(client).rollback(t.spec.namespace(), t.deployment, from,
                req.actor(), "atomic deploy of " + req.version() + " failed: " + failed.message());
        events.record(t.app, (int) from, req.actor(), EventKinds.ATOMIC_ROLLBACK, undo.message());
        RolloutStatus back = await(client, t, null, req.actor());
        throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "deploy of " + req.version() + " failed ("
                + failed.message() + "); --atomic rolled deployment " + t.where() + " back to revision " + from
                + (back.state() == RolloutStatus.State.COMPLETE ? ", which is serving again"
                : ", but that rollout did not finish either: " + back.message()));
    }

    public DeployResult rollback(String app, Integer toRevision, String reason, String actor) {
        return rollback(app, toRevision, reason, actor, false);
    }

    /**
     * Rolls back as {@link #rollback(String, Integer, String, String)}; a Deployment's target is first judged against
     * the database's schema (app {@code database} section) and refused unless {@code forceSchema}.
     */
    @Override
    public DeployResult rollback(String app, Integer toRevision, String reason, String actor, boolean forceSchema) {
        return rollback(app, toRevision, reason, actor, forceSchema, true);
    }

    /**
     * Rolls back as above; {@code viaOwner} false rolls a GitOps-owned Deployment back by its own revisions, beside
     * the owner (a drill, after {@link #holdOwner} paused it), instead of through the owner's history.
     */
    public DeployResult rollback(String app, Integer toRevision, String reason, String actor, boolean forceSchema,
                                 boolean viaOwner) {
        AppSpec helmApp = helmApp(app);
        if (helmApp != null) {
            return helm.rollback(helmApp, toRevision, reason, actor, rollouts, forceSchema);
        }
        Target t = target(app);
        if (rollouts != null && rollouts.hasActive(app)) {
            if (toRevision != null) {
                throw RolloutRunner.busy(app, store.activeRollout(app).orElseThrow());
            }
            // During a canary, "roll back" means: abort it, all traffic back to the stable Deployment now.
            String change = store.activeRollout(app).map(a -> a.waiting() instanceof Waiting.Preparing p
                    ? p.plan().get(RolloutRunner.CHANGE) : null).orElse(null); // a cold rollback names itself
            Rollout r = rollouts.command(app, RolloutEngine.Command.ABORT, actor);
            try (KubernetesClient client = clients.apply(t.spec)) {
                boolean slots = r.kind() == RolloutKind.BLUE_GREEN;
                return new DeployResult(current(client, t), r.canaryRevision(), 0, "aborted " + (change != null
                        ? change : "the " + (slots ? "blue/green rollout" : "canary") + " of revision "
                        + r.canaryRevision())
                        + "; all traffic is back on " + (slots ? "the previous slot behind Service "
                        + t.spec.namespace() + "/" + t.spec.service() : "deployment " + t.where()));
            }
        }
        Store.AppLock lock = store.lock(t.app, "rollback" + (toRevision == null ? "" : " to " + toRevision),
                holder, actor, clock.instant());
        try (KubernetesClient client = clients.apply(t.spec)) {
            if (KubernetesBlueGreenStatus.applies(t.appSpec)) {
                // Once a slot serves, the app's own Deployment has no users: undoing it would change nothing.
                var slots = new KubernetesBlueGreenRollback(store, events, clock, clients).rollback(t.appSpec,
                        client, c -> releases(c, t), toRevision, reason, actor, schemaGate, forceSchema, rollouts);
                if (slots.isPresent()) {
                    return slots.get();
                }
            }
            Deployment live = readOrNull(client, t);
            String badImage = containerImage(live, t);
            var owner = live == null || !viaOwner ? java.util.Optional.<Owner>empty()
                    : GitOpsRollback.owner(client, t.appSpec, live);
            DeployResult done = owner.isEmpty() ? undo(client, t, toRevision, reason, actor, forceSchema)
                    : viaOwner(client, t, live, owner.get(), toRevision, reason, actor, forceSchema);
            // A drill (viaOwner false) rehearses: git keeps saying what the drill leaves running.
            String gitSays = viaOwner ? restoreGit(t, badImage, containerImage(readOrNull(client, t), t), toRevision,
                    actor) : null;
            return done.withGit(gitSays);
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * {@code gitops resume}: the app's owner (Argo CD Application, Flux Kustomization or HelmRelease) gets its
     * automation back only once git no longer deploys the bad revision, or with {@code force} (see
     * {@link GitOpsResume}). Holds the app's lock, so it never races a rollback.
     */
    @Override
    public Map<String, Object> resumeGitOps(String app, boolean force, String actor) {
        AppSpec helmApp = helmApp(app);
        AppSpec spec = helmApp != null ? helmApp : target(app).appSpec;
        Store.AppLock lock = store.lock(app, "gitops resume", holder, actor, clock.instant());
        try (KubernetesClient client = clients.apply(spec.kubernetes())) {
            java.util.Optional<Owner> owner;
            String what;
            if (helmApp != null) {
                owner = helm.owner(helmApp, client);
                what = "Helm release " + spec.kubernetes().namespace() + "/"
                        + spec.kubernetes().helm().releaseName(app);
            } else {
                Target t = target(app);
                Deployment live = readOrNull(client, t);
                owner = live == null ? java.util.Optional.empty() : GitOpsRollback.owner(client, spec, live);
                what = "deployment " + t.where();
            }
            if (owner.isEmpty()) {
                throw DeployGuardException.badInput("app '" + app + "' has no GitOps owner (no Argo CD or Flux marks"
                        + " on " + what + "); nothing to resume");
            }
            return new GitOpsResume(events, clock, git).resume(spec, client, owner.get(), force, actor);
        } finally {
            store.unlock(lock);
        }
    }

    /** The rollback through the app's GitOps owner (Argo CD {@code .operation}, Flux suspend + undo). */
    private DeployResult viaOwner(KubernetesClient client, Target t, Deployment live, Owner owner, Integer toRevision,
                                  String reason, String actor, boolean forceSchema) {
        boolean[] undone = {false};
        try {
            return gitops.rollback(t.appSpec, client, live, owner, toRevision, reason, actor, () -> {
                undone[0] = true;
                return undo(client, t, toRevision, reason, actor, forceSchema);
            }, () -> settled(client, t, actor));
        } catch (DeployGuardException e) {
            if (!undone[0]) { // the plain rollback records its own failure
                events.record(t.app, toRevision, actor, EventKinds.ROLLBACK_FAILED, e.getMessage());
            }
            throw e;
        }
    }

    /**
     * The restore commit after a rollback from {@code bad} to {@code good} (container images): git's path goes back
     * to the newest commit before the one that brought {@code bad} in, or, for {@code --to-revision}, to the newest
     * one before it that names {@code good}. Null when the app has no {@code gitops.git} or nothing moved.
     */
    private String restoreGit(Target t, String bad, String good, Integer toRevision, String actor) {
        if (git == null || bad == null || bad.equals(good)) {
            return null;
        }
        return git.afterRollback(t.appSpec, Deployed.Mentions.image(bad),
                toRevision == null || good == null ? null : Deployed.Mentions.image(good), actor);
    }

    /** The image of the app's container in {@code d}; null when there is no such Deployment or container. */
    private static String containerImage(Deployment d, Target t) {
        if (d == null || d.getSpec() == null || d.getSpec().getTemplate() == null) {
            return null;
        }
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> t.spec.container() == null || t.spec.container().equals(c.getName()))
                .map(Container::getImage).findFirst().orElse(null);
    }

    /** The plain Deployment rollback ({@code kubectl rollout undo}), schema guard first. */
    private DeployResult undo(KubernetesClient client, Target t, Integer toRevision, String reason, String actor,
                              boolean forceSchema) {
        schemaGuard(client, t, toRevision, forceSchema, actor);
        events.record(t.app, toRevision, actor, EventKinds.ROLLBACK_STARTED, "rolling back deployment "
                + t.where() + (toRevision == null ? " to the previous revision" : " to revision " + toRevision)
                + (reason == null ? "" : ": " + reason));
        try {
            RollbackResult r = new DeploymentRollback(client).rollback(t.spec.namespace(), t.deployment,
                    toRevision == null ? null : toRevision.longValue(), actor, reason);
            if (r.skipped()) {
                events.record(t.app, (int) r.toRevision(), actor, EventKinds.ROLLBACK_SUCCEEDED, r.message());
                return new DeployResult(current(client, t), (int) r.fromRevision(), 0, r.message());
            }
            RolloutStatus s = await(client, t, null, actor);
            if (s.state() != RolloutStatus.State.COMPLETE) {
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, r.message() + ", but its rollout did not"
                        + " finish: " + s.message());
            }
            Release current = current(client, t);
            events.record(t.app, current == null ? null : current.revision(), actor, EventKinds.ROLLBACK_SUCCEEDED,
                    r.message() + "; " + s.message(), Map.of("from", r.fromRevision(), "to", r.toRevision()));
            return new DeployResult(current, (int) r.fromRevision(), 0, r.message());
        } catch (DeployGuardException e) {
            events.record(t.app, toRevision, actor, EventKinds.ROLLBACK_FAILED, e.getMessage());
            throw e;
        }
    }

    /** Waits for the Deployment's rollout after its owner synced it; the serving release. */
    private DeployResult settled(KubernetesClient client, Target t, String actor) {
        RolloutStatus s = await(client, t, null, actor);
        if (s.state() != RolloutStatus.State.COMPLETE) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "deployment " + t.where() + " did not finish"
                    + " its rollout: " + s.message());
        }
        Release current = current(client, t);
        if (current != null) {
            events.record(t.app, current.revision(), actor, EventKinds.ROLLBACK_SUCCEEDED, "deployment " + t.where()
                    + " rolled out revision " + current.revision() + "; " + s.message());
        }
        return new DeployResult(current, null, 0, "deployment " + t.where() + " rolled out: " + s.message());
    }

    /**
     * Before a drill of a Deployment app: its GitOps owner, refused or paused (per {@code gitops.autoSync}) when its
     * automation would undo the drill; empty when no GitOps controller owns it.
     */
    public java.util.Optional<Owner> holdOwner(String app, String actor, String purpose) {
        Target t = target(app);
        try (KubernetesClient client = clients.apply(t.spec)) {
            Deployment live = readOrNull(client, t);
            var owner = live == null ? java.util.Optional.<Owner>empty() : GitOpsRollback.owner(client, t.appSpec, live);
            owner.ifPresent(o -> gitops.hold(t.appSpec, client, o, actor, purpose));
            return owner;
        }
    }

    /** The name of the app's Deployment: its own, or for a Helm release the one its chart renders. */
    public String deploymentOf(String app, KubernetesClient client) {
        AppSpec helmApp = helmApp(app);
        return helmApp == null ? target(app).deployment() : KubernetesRollouts.chartRelease(helmApp)
                .deploymentName(client, new HelmReleaseStorage(client, helmApp.kubernetes().namespace(), clock));
    }

    /** The Deployment's revisions as releases, oldest first (rows of {@code kubectl rollout history}). */
    public List<Release> history(String app) {
        AppSpec helmApp = helmApp(app);
        if (helmApp != null) {
            return helm.history(helmApp);
        }
        Target t = target(app);
        try (KubernetesClient client = clients.apply(t.spec)) {
            return releases(client, t);
        }
    }

    @Override
    public Map<String, Object> status(String app) {
        AppSpec helmApp = helmApp(app);
        if (helmApp != null) {
            return helm.status(helmApp);
        }
        Target t = target(app);
        if (KubernetesBlueGreenStatus.applies(t.appSpec)) {
            return blueGreenStatus(t);
        }
        try (KubernetesClient client = clients.apply(t.spec)) {
            List<Release> releases = releases(client, t);
            Deployment d = client.apps().deployments().inNamespace(t.spec.namespace()).withName(t.deployment).get();
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("namespace", t.spec.namespace());
            k.put("deployment", t.deployment);
            RolloutStatus s = RolloutWaiter.observe(d);
            k.put("rollout", s.state().name());
            k.put("message", s.message());
            k.put("replicas", d.getSpec().getReplicas());
            k.put("availableReplicas", d.getStatus() == null ? null : d.getStatus().getAvailableReplicas());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", t.app);
            m.put("serving", releases.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst()
                    .orElse(null));
            m.put("instances", List.of());
            m.put("kubernetes", k);
            // One gitops object: the owner's fields (summary, controller, ...) and the git restore state under git.
            Map<String, Object> gitops = new LinkedHashMap<>(GitOpsRollback.owner(client, t.appSpec, d)
                    .map(Owner::toMap).orElse(Map.of()));
            if (git != null && t.appSpec.gitops().git() != null) {
                gitops.put("git", git.state(t.appSpec));
            }
            m.put("gitops", gitops.isEmpty() ? null : gitops);
            m.put("lock", store.currentLock(t.app).orElse(null));
            m.put("rollout", store.rollouts(t.app, 1).stream().findFirst().orElse(null));
            return m;
        }
    }

    /**
     * The answer to {@code history}: {@code releases} as {@link #history} lists them, and for a blue/green app
     * ({@code strategy.blueGreen} with a Service) its blue/green revisions too, with {@code slots} saying which
     * revision each slot runs.
     */
    @Override
    public Map<String, Object> historyAnswer(String app) {
        AppSpec helmApp = helmApp(app);
        Target t = helmApp == null ? target(app) : null;
        if (t == null || !KubernetesBlueGreenStatus.applies(t.appSpec)) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("app", app);
            answer.put("releases", history(app));
            if (t != null) {
                try (KubernetesClient client = clients.apply(t.spec)) {
                    GitOpsRollback.owner(client, t.appSpec, readOrNull(client, t))
                            .ifPresent(o -> answer.put("gitops", o.toMap()));
                }
            }
            return answer;
        }
        try (KubernetesClient client = clients.apply(t.spec)) {
            return new KubernetesBlueGreenStatus(store).history(t.appSpec, client, c -> releases(c, t));
        } catch (KubernetesClientException e) {
            throw dev.deployguard.kubernetes.traffic.ClusterCalls.translate("read the history of " + app, e);
        }
    }

    /** {@code status} of a blue/green app: its slots read live, the store's view when the cluster cannot be read. */
    private Map<String, Object> blueGreenStatus(Target t) {
        return new KubernetesBlueGreenStatus(store).status(t.appSpec, () -> clients.apply(t.spec),
                c -> releases(c, t));
    }

    /** The cluster's traffic is measured by its ingress or mesh, through Prometheus; DeployGuard keeps no copy. */
    @Override
    public Object trafficMetrics(String app) {
        throw DeployGuardException.badInput("app '" + app + "' runs on Kubernetes: its traffic metrics come from"
                + " Prometheus (the canary analysis queries it); `deployguard status " + app + "` shows the verdicts");
    }

    /** Pods' logs stay with the cluster: DeployGuard does not proxy them; the message says where to read them. */
    @Override
    public String logs(String app, Integer revision, int lines) {
        AppSpec helmApp = helmApp(app);
        String where = helmApp != null ? "-n " + helmApp.kubernetes().namespace() + " -l app.kubernetes.io/instance="
                + KubernetesRollouts.chartRelease(helmApp).release()
                : "-n " + target(app).spec.namespace() + " deployment/" + target(app).deployment;
        throw DeployGuardException.badInput("app '" + app + "' runs on Kubernetes, whose pods keep their own logs:"
                + " read them with `kubectl logs " + where + " --tail=" + lines + "`");
    }

    /** A client for the cluster of Deployment app {@code app} (the caller closes it), for read-only observers. */
    public KubernetesClient client(String app) {
        return clients.apply(target(app).spec);
    }

    private RolloutStatus await(KubernetesClient client, Target t, Duration timeout, String actor) {
        RolloutWaiter waiter = new RolloutWaiter(client, clock, d -> Thread.sleep(d.toMillis()), pollEvery);
        return waiter.await(t.spec.namespace(), t.deployment, timeout != null ? timeout : t.spec.rolloutTimeout(),
                line -> events.record(t.app, null, actor, EventKinds.KUBERNETES_ROLLOUT_STATUS, line));
    }

    private String image(KubernetesClient client, Target t, Deployer.DeployRequest req, Deployment d) {
        if (t.appSpec.image() != null) {
            ImageGate gate = ClusterImages.gateFor(client, t.spec.namespace(), d, imageGate);
            ImageAdmission admitted = gate.admit(t.app, t.appSpec.image(), req.version(), List.of(),
                    (kind, message, data) -> events.record(t.app, null, req.actor(), kind, message, data));
            return admitted.image().reference();
        }
        if (d == null) {
            return null; // DeploymentUpdate reports the missing Deployment or namespace
        }
        Container c = t.spec.container() == null ? d.getSpec().getTemplate().getSpec().getContainers().get(0)
                : d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(x -> t.spec.container().equals(x.getName())).findFirst().orElse(null);
        if (c == null) {
            return null; // DeploymentUpdate names the containers there are
        }
        return repository(c.getImage()) + ":" + req.version();
    }

    /** The Deployment, or null when it cannot be read; the update that follows reports why, precisely. */
    private static Deployment readOrNull(KubernetesClient client, Target t) {
        try {
            return client.apps().deployments().inNamespace(t.spec.namespace()).withName(t.deployment).get();
        } catch (KubernetesClientException e) {
            return null;
        }
    }

    private static long revisionOf(Deployment d) {
        String text = d.getMetadata().getAnnotations() == null ? null
                : d.getMetadata().getAnnotations().get(Annotations.REVISION);
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The image reference without its tag or digest. */
    static String repository(String image) {
        String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = ref.lastIndexOf(':');
        return colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
    }

    private static String changeCause(Deployer.DeployRequest req) {
        return req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "deploy " + req.version() + " by " + req.actor();
    }

    /**
     * The schema guard before a Deployment rollback moves anything: the target is the revision asked for, else the
     * one before the serving revision (as {@code kubectl rollout undo} picks it).
     */
    private void schemaGuard(KubernetesClient client, Target t, Integer toRevision, boolean force, String actor) {
        if (t.appSpec.database() == null) {
            return;
        }
        List<Release> all = releases(client, t);
        Release serving = all.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst().orElse(null);
        if (serving == null) {
            return;
        }
        all.stream().filter(r -> toRevision != null ? r.revision() == toRevision : r.revision() < serving.revision())
                .max(java.util.Comparator.comparingInt(Release::revision))
                .filter(target -> target.revision() != serving.revision())
                .ifPresent(target -> schemaGate.beforeRollback(t.appSpec, target, serving, force, actor));
    }

    private Release current(KubernetesClient client, Target t) {
        return releases(client, t).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst()
                .orElse(null);
    }

    /** The Deployment's revisions; with a database section, each with the schema record of its deploy. */
    private List<Release> releases(KubernetesClient client, Target t) {
        return new DeploymentHistory(client).list(t.spec.namespace(), t.deployment).stream()
                .filter(r -> r.number() >= 1)
                .map(r -> release(t, r))
                .map(r -> t.appSpec.database() == null ? r : schemas.withRecord(r)).toList();
    }

    private Release release(Target t, Revision r) {
        Map<String, String> a = r.annotations();
        String image = r.template().getSpec().getContainers().stream()
                .filter(c -> t.spec.container() == null || t.spec.container().equals(c.getName()))
                .map(Container::getImage).findFirst().orElse("");
        String actor = a.getOrDefault(Annotations.ROLLED_BACK_BY, a.getOrDefault(Annotations.DEPLOYED_BY, "unknown"));
        Integer source = null;
        try {
            source = a.containsKey(Annotations.ROLLED_BACK_TO) ? Integer.valueOf(a.get(Annotations.ROLLED_BACK_TO))
                    : null;
        } catch (NumberFormatException e) {
            source = null;
        }
        return new Release(t.app, (int) r.number(), version(image), List.of(), Map.of(), 0,
                r.replicaSet(), r.changeCause(), actor, r.createdAt() != null ? r.createdAt() : clock.instant(),
                r.current() ? ReleaseStatus.DEPLOYED : ReleaseStatus.SUPERSEDED, source);
    }

    /** The version part of an image reference: its tag, else its digest, else the whole reference. */
    static String version(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return image.substring(at + 1);
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : image;
    }

    private Target target(String app) {
        AppSpec a = specs.app(app);
        KubernetesSpec k = a.kubernetes();
        if (k == null) {
            throw DeployGuardException.badInput("app '" + app + "' is not on Kubernetes");
        }
        return new Target(app, a, k, k.deploymentName(app));
    }

    /** The app's spec when it is a Helm release ({@link HelmApps} serves it), else null. */
    private AppSpec helmApp(String app) {
        AppSpec a = specs.app(app);
        return a.kubernetes() != null && a.kubernetes().helm() != null ? a : null;
    }

    private record Target(String app, AppSpec appSpec, KubernetesSpec spec, String deployment) {
        String where() {
            return spec.namespace() + "/" + deployment;
        }
    }
}
