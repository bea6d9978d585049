// Over 400 lines: AppOperations of Helm releases, sharing the release-record reading.
package dev.deployguard.server.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.client.KubeClients;
import dev.deployguard.kubernetes.deployment.RolloutStatus;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.gitops.Owner;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.DeploymentReadiness;
import dev.deployguard.kubernetes.helm.HelmHistory;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.HelmRollback;
import dev.deployguard.kubernetes.helm.HelmStatus;
import dev.deployguard.kubernetes.helm.HelmUpgrade;
import dev.deployguard.kubernetes.helm.Kubeconfigs;
import dev.deployguard.kubernetes.progressive.HelmChartRelease;
import dev.deployguard.release.PinnedImage;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.server.check.DeployChecks;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.MigrationFlow;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.SchemaGate;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import dev.deployguard.supplychain.deploy.ImageGate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The control plane's deploy, rollback, history and status for apps whose spec says {@code platform.kubernetes.helm}:
 * the release is read and written in Helm's own storage (through {@code dev.deployguard.kubernetes.helm}), so
 * {@code helm history} and {@code deployguard history} show the same revisions. The version reaches the chart as
 * one more values file, given last: {@code image.tag: VERSION} (plus {@code image.repository} and
 * {@code image.digest} when the app has an {@code image} section and the version is pinned by digest). The app's
 * lock and events are taken and recorded as for Deployment apps.
 */
final class HelmApps {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ROLLBACK_TO = Pattern.compile("Rollback to (\\d+)");

    private final Store store;
    private final EventLog events;
    private final Clock clock;
    private final String holder;
    private final Function<KubernetesSpec, KubernetesClient> clients;
    private final Duration pollEvery;
    private final ChartRenderer renderer = new ChartRenderer();
    private final ImageGate imageGate = ImageGate.standard();
    private final MigrationFlow migrations;
    private final SchemaGate schemaGate;
    private final ReleaseSchemas schemas;
    private final HelmGitOps gitops;
    private final HelmPrePull prePull;
    /** Writes the restore commit after a rollback of an app with {@code gitops.git}; null: not wired. */
    private final GitCatchUp git;

    HelmApps(Store store, EventLog events, Clock clock, String holder,
             Function<KubernetesSpec, KubernetesClient> clients, Duration pollEvery, GitCatchUp git) {
        this.git = git;
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.holder = holder;
        this.clients = clients;
        this.pollEvery = pollEvery;
        this.schemaGate = new SchemaGate(System.getenv(), events);
        this.schemas = new ReleaseSchemas(store, schemaGate);
        this.migrations = new MigrationFlow(System.getenv(), events);
        this.prePull = new HelmPrePull(new ClusterImages(events, clock, pollEvery), renderer);
        this.gitops = new HelmGitOps(events, new GitOpsRollback(events, clock, d -> Thread.sleep(d.toMillis()),
                pollEvery));
    }

    /**
     * A deploy of an app whose strategy is carried out on the cluster ({@link KubernetesRollouts#drives}): a canary
     * beside the release's Deployment, promoted by a Helm upgrade. The first deploy (no deployed revision: nothing
     * to run a canary beside) is a plain install.
     */
    DeployResult deployProgressive(AppSpec app, Deployer.DeployRequest req, DeployChecks checks,
                                   RolloutRunner runner, KubernetesRollouts canaries) {
        Target t = new Target(app);
        t.chartDirectory();
        HelmRelease serving;
        try (KubernetesClient client = clients.apply(t.spec())) {
            serving = deployed(new HelmReleaseStorage(client, t.spec().namespace(), clock).history(t.release()));
        }
        if (serving == null) {
            return deploy(app, req, checks);
        }
        if (checks != null) {
            checks.admit(app, req.version(), req.skipChecks(), req.actor());
        }
        Store.AppLock lock = store.lock(t.app(), "deploy " + req.version(), holder, req.actor(), clock.instant());
        try {
            store.activeRollout(app.name()).ifPresent(r -> {
                throw RolloutRunner.busy(app.name(), r);
            });
            migrations.beforeTraffic(app, null, req.version(), req.actor());
            String values = JSON.writeValueAsString(versionValues(t, req));
            try (KubernetesClient client = clients.apply(t.spec())) {
                prePull.warm(client, app, values, req.actor());
            }
            return canaries.deployHelm(runner, app, req, values, release(t, serving));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the version's values", e);
        } finally {
            store.unlock(lock);
        }
    }

    DeployResult deploy(AppSpec app, Deployer.DeployRequest req, DeployChecks checks) {
        Target t = new Target(app);
        Path chart = t.chartDirectory();
        if (checks != null) {
            checks.admit(app, req.version(), req.skipChecks(), req.actor());
        }
        Store.AppLock lock = store.lock(t.app(), "deploy " + req.version(), holder, req.actor(), clock.instant());
        Path versionValues = null;
        try (KubernetesClient client = clients.apply(t.spec())) {
            // Expand migrations before the chart's pods start; contract ones wait (database.migrate).
            migrations.beforeTraffic(app, null, req.version(), req.actor());
            HelmReleaseStorage storage = new HelmReleaseStorage(client, t.spec().namespace(), clock);
            HelmRelease before = deployed(storage.history(t.release()));
            Integer from = before == null ? null : before.version();
            try {
                ObjectNode values = versionValues(t, req);
                prePull.warm(client, app, JSON.writeValueAsString(values), req.actor());
                events.record(t.app(), from, req.actor(), EventKinds.DEPLOY_STARTED, "deploying " + req.version()
                        + " as Helm release " + t.where() + " (chart " + chart + ")"
                        + (from == null ? "" : " (serving: revision " + from + ")"), Map.of("values", values));
                versionValues = Files.createTempFile("deployguard-helm-version-", ".yaml");
                Files.writeString(versionValues, JSON.writeValueAsString(values)); // JSON is YAML
                List<Path> files = new ArrayList<>(t.helm().values());
                files.add(versionValues);
                Duration timeout = req.timeout() != null ? req.timeout() : t.spec().rolloutTimeout();
                HelmRelease deployed;
                try {
                    // Keeps a progressive app's deployguard.dev/track labels (none on other apps): see kubernetes.md.
                    // Hooks, lookup, crds/, IsUpgrade/Revision: only Helm's own upgrade gets them right.
                    HelmUpgrade upgrade = new HelmUpgrade(storage, renderer, new DeploymentReadiness(client,
                            pollEvery), timeout).keeping(HelmChartRelease.KEEP_DEPLOYGUARD_LABELS)
                            .asHelmWould(chart, () -> kubeconfigForHelm(t.spec(), client));
                    deployed = upgrade.upgrade(t.release(), chart, files, req.atomic());
                } catch (DeployGuardException e) {
                    throw failed(storage, t, req, e);
                }
                // helm upgrade --description: the change-cause is the revision's description.
                deployed = deployed.withStatus(HelmStatus.DEPLOYED, changeCause(req));
                storage.update(deployed);
                Release current = release(t, deployed);
                events.record(t.app(), deployed.version(), req.actor(), EventKinds.DEPLOY_SUCCEEDED, "Helm release "
                        + t.where() + " revision " + deployed.version() + " (" + req.version() + ") deployed");
                return new DeployResult(current, from, 0, "revision " + deployed.version() + " (" + req.version()
                        + ") of Helm release " + t.where() + " deployed, its objects ready");
            } catch (DeployGuardException e) {
                if (e.exitCode() != ExitCode.DEPLOY_FAILED) {
                    events.record(t.app(), from, req.actor(), EventKinds.DEPLOY_FAILED, "deploy " + req.version()
                            + " failed: " + e.getMessage());
                }
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the version's values file", e);
            }
        } finally {
            delete(versionValues);
            store.unlock(lock);
        }
    }

    /** The upgrade failed: the events say so (and what --atomic did); the error says which revision serves now. */
    private DeployGuardException failed(HelmReleaseStorage storage, Target t, Deployer.DeployRequest req,
                                        DeployGuardException e) {
        if (e.exitCode() != ExitCode.DEPLOY_FAILED) {
            return e;
        }
        events.record(t.app(), null, req.actor(), EventKinds.DEPLOY_FAILED, e.getMessage());
        HelmRelease serving = deployed(storage.history(t.release()));
        if (req.atomic() && serving != null && ROLLBACK_TO.matcher(serving.description()).matches()) {
            events.record(t.app(), serving.version(), req.actor(), EventKinds.ATOMIC_ROLLBACK, "Helm release "
                    + t.where() + " revision " + serving.version() + ": " + serving.description());
            return new DeployGuardException(ExitCode.DEPLOY_FAILED, e.getMessage() + "; revision "
                    + serving.version() + " (" + serving.description() + ") is serving", e);
        }
        return new DeployGuardException(ExitCode.DEPLOY_FAILED, e.getMessage() + (serving == null
                ? "" : "; revision " + serving.version() + " is still the deployed one; roll back with: deployguard"
                + " rollback " + t.app()), e);
    }

    DeployResult rollback(AppSpec app, Integer toRevision, String reason, String actor, RolloutRunner runner) {
        return rollback(app, toRevision, reason, actor, runner, false);
    }

    /** Rolls back; first the target is judged against the database's schema (see {@link SchemaGate}). */
    DeployResult rollback(AppSpec app, Integer toRevision, String reason, String actor, RolloutRunner runner,
                          boolean forceSchema) {
        Target t = new Target(app);
        if (runner != null && runner.hasActive(t.app())) {
            if (toRevision != null) {
                throw RolloutRunner.busy(t.app(), store.activeRollout(t.app()).orElseThrow());
            }
            // During a rollout, "roll back" means: abort it, all traffic back to the release's Deployment now.
            Rollout r = runner.command(t.app(), RolloutEngine.Command.ABORT, actor);
            try (KubernetesClient client = clients.apply(t.spec())) {
                HelmRelease serving = deployed(new HelmReleaseStorage(client, t.spec().namespace(), clock)
                        .history(t.release()));
                return new DeployResult(serving == null ? null : release(t, serving), r.canaryRevision(), 0,
                        "aborted the " + (r.kind() == RolloutKind.BLUE_GREEN ? "blue/green rollout" : "canary")
                        + " of revision " + r.canaryRevision() + "; all traffic is back on Helm release " + t.where()
                        + (serving == null ? "" : " revision " + serving.version()));
            }
        }
        Store.AppLock lock = store.lock(t.app(), "rollback" + (toRevision == null ? "" : " to " + toRevision),
                holder, actor, clock.instant());
        try (KubernetesClient client = clients.apply(t.spec())) {
            HelmReleaseStorage storage = new HelmReleaseStorage(client, t.spec().namespace(), clock);
            HelmRelease bad = deployed(storage.history(t.release()));
            Deployment workload = HelmGitOps.workload(client, t.spec().namespace(), bad);
            Optional<Owner> owner = HelmGitOps.owner(client, app, t.release(), workload);
            if (owner.isEmpty()) {
                return restoreGit(client, storage, t, bad, toRevision, actor,
                        helmRollback(client, storage, app, t, toRevision, reason, actor, forceSchema));
            }
            Optional<DeployResult> remediated;
            try {
                remediated = gitops.before(client, app, owner.get(), toRevision, actor);
            } catch (DeployGuardException e) {
                events.record(t.app(), toRevision, actor, EventKinds.ROLLBACK_FAILED, e.getMessage());
                throw e;
            }
            if (remediated.isPresent()) {
                return remediated.get();
            }
            DeployResult r = helmRollback(client, storage, app, t, toRevision, reason, actor, forceSchema);
            // Git after the fight watch: one that refuses (gitops.onFight: refuse) throws before git is written.
            return restoreGit(client, storage, t, bad, toRevision, actor, gitops.after(client, app, owner.get(),
                    workload, r, () -> helmRollback(client, storage, app, t, toRevision, reason, actor,
                            forceSchema), actor));
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * The restore commit after a Helm rollback away from {@code bad} (the revision deployed before it): git is asked
     * for the image the bad revision's Deployment ran, and for {@code --to-revision} the good commit must name the
     * image of the revision now deployed (see {@link HelmGitOps#deployedBy}). The rollback's answer gains what git did.
     */
    private DeployResult restoreGit(KubernetesClient client, HelmReleaseStorage storage, Target t, HelmRelease bad,
                                    Integer toRevision, String actor, DeployResult done) {
        HelmRelease good = deployed(storage.history(t.release()));
        if (git == null || bad == null || good == null || good.version() == bad.version()) {
            return done;
        }
        var badMarker = HelmGitOps.deployedBy(client, t.spec().container(), bad, release(t, bad).version());
        var goodMarker = HelmGitOps.deployedBy(client, t.spec().container(), good, release(t, good).version());
        if (badMarker.equals(goodMarker)) {
            return done; // the same image again (a values-only change): git cannot tell the two apart
        }
        String says = git.afterRollback(t.appSpec(), badMarker, toRevision == null ? null : goodMarker, actor);
        return done.withGit(says);
    }

    /** The GitOps owner of the release's Deployment (else a HelmRelease named like the release), read live. */
    Optional<Owner> owner(AppSpec app, KubernetesClient client) {
        Target t = new Target(app);
        HelmReleaseStorage storage = new HelmReleaseStorage(client, t.spec().namespace(), clock);
        Deployment workload = HelmGitOps.workload(client, t.spec().namespace(), deployed(storage.history(t.release())));
        return HelmGitOps.owner(client, app, t.release(), workload);
    }

    /** {@code helm rollback}: schema guard first, then the rollback and its wait, recorded. */
    private DeployResult helmRollback(KubernetesClient client, HelmReleaseStorage storage, AppSpec app, Target t,
                                      Integer toRevision, String reason, String actor, boolean forceSchema) {
        schemaGuard(app, t, storage, toRevision, forceSchema, actor);
        events.record(t.app(), toRevision, actor, EventKinds.ROLLBACK_STARTED, "rolling back Helm release "
                + t.where() + (toRevision == null ? " to the previous revision" : " to revision " + toRevision)
                + (reason == null ? "" : ": " + reason));
        try {
            HelmRelease before = deployed(storage.requireHistory(t.release()));
            HelmRelease now = new HelmRollback(storage, new DeploymentReadiness(client, pollEvery),
                    t.spec().rolloutTimeout()).keeping(HelmChartRelease.KEEP_DEPLOYGUARD_LABELS)
                    .rollback(t.release(), toRevision == null ? 0 : toRevision);
            String message = "Helm release " + t.where() + " revision " + now.version() + ": "
                    + now.description();
            events.record(t.app(), now.version(), actor, EventKinds.ROLLBACK_SUCCEEDED, message
                    + (reason == null ? "" : " (" + reason + ")"));
            return new DeployResult(release(t, now), before == null ? null : before.version(), 0, message);
        } catch (DeployGuardException e) {
            events.record(t.app(), toRevision, actor, EventKinds.ROLLBACK_FAILED, e.getMessage());
            throw e;
        }
    }

    /**
     * The schema guard before a Helm rollback moves anything: the target is the revision asked for, else the one
     * before the deployed revision (as {@code helm rollback RELEASE 0} picks it).
     */
    private void schemaGuard(AppSpec app, Target t, HelmReleaseStorage storage, Integer toRevision, boolean force,
                             String actor) {
        if (app.database() == null) {
            return;
        }
        // Each revision with the schema record of its deploy (KubernetesApps.deploy records it).
        List<Release> all = storage.history(t.release()).stream().map(r -> schemas.withRecord(release(t, r)))
                .toList();
        Release serving = all.stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst().orElse(null);
        if (serving == null) {
            return;
        }
        all.stream().filter(r -> toRevision != null && toRevision > 0 ? r.revision() == toRevision
                        : r.revision() < serving.revision())
                .max(java.util.Comparator.comparingInt(Release::revision))
                .filter(target -> target.revision() != serving.revision())
                .ifPresent(target -> schemaGate.beforeRollback(app, target, serving, force, actor));
    }

    /** The release's revisions as releases, oldest first: the rows of {@code helm history}. */
    List<Release> history(AppSpec app) {
        Target t = new Target(app);
        try (KubernetesClient client = clients.apply(t.spec())) {
            HelmReleaseStorage storage = new HelmReleaseStorage(client, t.spec().namespace(), clock);
            new HelmHistory(storage).of(t.release(), HelmHistory.DEFAULT_MAX); // NOT_FOUND naming the namespace
            return storage.history(t.release()).stream().map(r -> release(t, r)).toList();
        }
    }

    /** The deployed revision and the rollout state of its Deployments, in the shape of a Deployment app's status. */
    Map<String, Object> status(AppSpec app) {
        Target t = new Target(app);
        try (KubernetesClient client = clients.apply(t.spec())) {
            HelmReleaseStorage storage = new HelmReleaseStorage(client, t.spec().namespace(), clock);
            List<HelmRelease> history = storage.requireHistory(t.release());
            HelmRelease serving = deployed(history);
            HelmRelease shown = serving != null ? serving : history.get(history.size() - 1);
            List<Map<String, Object>> deployments = new ArrayList<>();
            for (HasMetadata o : objects(client, shown)) {
                if (o instanceof Deployment wanted) {
                    deployments.add(rollout(client, t, wanted.getMetadata().getName()));
                }
            }
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("namespace", t.spec().namespace());
            if (!deployments.isEmpty()) {
                k.putAll(deployments.get(0));
            }
            k.put("deployments", deployments);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("release", t.release());
            h.put("revision", shown.version());
            h.put("status", shown.statusText());
            h.put("chart", shown.chartName() + "-" + shown.chartVersion());
            h.put("appVersion", shown.appVersion());
            h.put("description", shown.description());
            k.put("helm", h);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", t.app());
            m.put("serving", serving == null ? null : release(t, serving));
            m.put("instances", List.of());
            m.put("kubernetes", k);
            m.put("gitops", HelmGitOps.owner(client, app, t.release(), HelmGitOps.workload(client,
                    t.spec().namespace(), shown)).map(o -> HelmGitOps.describe(client, o)).orElse(null));
            m.put("lock", store.currentLock(t.app()).orElse(null));
            m.put("rollout", store.rollouts(t.app(), 1).stream().findFirst().orElse(null));
            return m;
        }
    }

    /** The objects of a revision's manifest, parsed here (no API call). */
    private static List<HasMetadata> objects(KubernetesClient client, HelmRelease r) {
        if (r.manifest().isBlank()) {
            return List.of();
        }
        return client.load(new ByteArrayInputStream(r.manifest().getBytes(StandardCharsets.UTF_8))).items();
    }

    private static Map<String, Object> rollout(KubernetesClient client, Target t, String name) {
        Deployment d = client.apps().deployments().inNamespace(t.spec().namespace()).withName(name).get();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deployment", name);
        if (d == null) {
            m.put("rollout", "MISSING");
            m.put("message", "deployment \"" + name + "\" of the release is not in namespace "
                    + t.spec().namespace());
            return m;
        }
        RolloutStatus s = RolloutWaiter.observe(d);
        m.put("rollout", s.state().name());
        m.put("message", s.message());
        m.put("replicas", d.getSpec().getReplicas());
        m.put("availableReplicas", d.getStatus() == null ? null : d.getStatus().getAvailableReplicas());
        return m;
    }

    /** The values that carry the version into the chart. */
    private ObjectNode versionValues(Target t, Deployer.DeployRequest req) {
        ObjectNode values = JSON.createObjectNode();
        ObjectNode image = values.putObject("image");
        image.put("tag", req.version());
        if (t.appSpec().image() != null) {
            PinnedImage pinned = imageGate.admit(t.app(), t.appSpec().image(), req.version(), List.of(),
                    (kind, message, data) -> events.record(t.app(), null, req.actor(), kind, message, data)).image();
            image.put("repository", pinned.repository());
            image.put("digest", pinned.digest());
        }
        return values;
    }

    private static HelmRelease deployed(List<HelmRelease> history) {
        return history.stream().filter(r -> r.status() == HelmStatus.DEPLOYED).reduce((a, b) -> b).orElse(null);
    }

    /** One Helm revision as a release: version = the image tag it was given, else the chart's appVersion. */
    private Release release(Target t, HelmRelease r) {
        JsonNode tag = r.config().path("image").path("tag");
        String version = tag.isValueNode() && !tag.asText().isEmpty() ? tag.asText() : r.appVersion();
        Matcher m = ROLLBACK_TO.matcher(r.description());
        Integer source = m.matches() ? Integer.valueOf(m.group(1)) : null;
        return new Release(t.app(), r.version(), version, List.of(), Map.of(), 0,
                r.chartName() + "-" + r.chartVersion(), r.description(), "helm",
                r.lastDeployed().orElse(clock.instant()), status(r.status()), source);
    }

    private static ReleaseStatus status(HelmStatus s) {
        return switch (s) {
            case DEPLOYED -> ReleaseStatus.DEPLOYED;
            case SUPERSEDED, UNINSTALLED, UNINSTALLING -> ReleaseStatus.SUPERSEDED;
            case PENDING_INSTALL, PENDING_UPGRADE, PENDING_ROLLBACK -> ReleaseStatus.PROGRESSING;
            case FAILED, UNKNOWN -> ReleaseStatus.FAILED;
        };
    }

    private static String changeCause(Deployer.DeployRequest req) {
        return req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "deploy " + req.version() + " by " + req.actor();
    }

    private static void delete(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temp file left behind holds only the version; the OS temp cleaner removes it
        }
    }

    private record Target(AppSpec appSpec) {
        String app() {
            return appSpec.name();
        }

        KubernetesSpec spec() {
            return appSpec.kubernetes();
        }

        KubernetesSpec.Helm helm() {
            return spec().helm();
        }

        String release() {
            return helm().releaseName(app());
        }

        String where() {
            return spec().namespace() + "/" + release();
        }

        /** The chart directory; a repository or OCI reference is refused (the chart is rendered offline). */
        Path chartDirectory() {
            String chart = helm().chart();
            if (chart.contains("://")) {
                throw DeployGuardException.badInput("apps." + app() + ".platform.kubernetes.helm.chart: " + chart
                        + " is a remote chart; deploy renders charts offline from a directory. Pull it (helm pull "
                        + chart + " --untar) and point chart at the directory.");
            }
            Path dir = Path.of(chart);
            if (!Files.isReadable(dir.resolve("Chart.yaml"))) {
                throw DeployGuardException.badInput("apps." + app() + ".platform.kubernetes.helm.chart: " + dir
                        + (Files.isDirectory(dir) ? " has no readable Chart.yaml" : " does not exist")
                        + "; point it at an unpacked chart (the directory holding Chart.yaml).");
            }
            return dir;
        }
    }

    /**
     * The kubeconfig text Helm's own library is given: the file as helm would read it, else (a spec that names a
     * context) one written from the client's configuration. It holds credentials: kept in memory, never logged.
     */
    static String kubeconfigForHelm(KubernetesSpec spec, KubernetesClient client) {
        String text = KubeClients.kubeconfigTextForHelm(spec);
        return text != null ? text : Kubeconfigs.of(client.getConfiguration());
    }
}
