package dev.deployguard.server.kubernetes;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.progressive.AppWorkload;
import dev.deployguard.kubernetes.progressive.CanaryActions;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.HelmChartRelease;
import dev.deployguard.kubernetes.progressive.HelmPromotion;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.kubernetes.traffic.IngressNginxMetrics;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.MetricSourceSpec;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.metrics.MetricSources;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cluster's side of the rollouts of Kubernetes apps: it prepares a rollout (the canary Deployment beside the
 * serving revision, the blue/green slot, a Helm release's rendered canary or slot) and begins it in
 * {@link RolloutRunner}, and it gives each app its {@link RolloutTarget} ({@link #target}): a Deployment's or a Helm
 * release's canary behind ingress-nginx or the Gateway API, a Deployment's or a Helm release's blue/green Service
 * switch. The runner keeps the rollout's state and hands the engine's actions to that target only. Each call takes a
 * client from the {@code clients} function (the control plane's shared client per cluster; its close hands it back).
 */
public final class KubernetesRollouts {
    private final Store store;
    private final EventLog events;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clients;
    private final String prometheusUrl;
    private final KubernetesBlueGreenRollouts blueGreen;
    private final ChartRenderer renderer = new ChartRenderer();
    private final HelmBlueGreenRollouts helmBlueGreen;
    private final KubernetesBlueGreenColdRollback coldRollbacks;

    /**
     * @param prometheusUrl where ingress-nginx's metrics are scraped; null when unknown (then an {@code analysis}
     *                      step needs {@code analysis.source} in the spec)
     * @param pollEvery     unused: every wait on the cluster is now a rollout's tick (kept for the callers)
     */
    public KubernetesRollouts(Store store, EventLog events, Clock clock,
                              Function<KubernetesSpec, KubernetesClient> clients, String prometheusUrl,
                              Duration pollEvery) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.clients = clients;
        this.prometheusUrl = prometheusUrl == null || prometheusUrl.isBlank() ? null : prometheusUrl;
        this.blueGreen = new KubernetesBlueGreenRollouts(store, events, clock, clients);
        this.helmBlueGreen = new HelmBlueGreenRollouts(events, clock, clients, renderer);
        this.coldRollbacks = new KubernetesBlueGreenColdRollback(events, clock, clients);
    }

    /**
     * True when {@code app}'s rollout is driven on the cluster: a Deployment or Helm release with a traffic router
     * (and, for Helm, its Service) for a canary, or with a Service for blue/green.
     */
    public static boolean drives(AppSpec app) {
        KubernetesSpec k = app.kubernetes();
        if (k == null) {
            return false;
        }
        if (k.helm() != null && k.service() == null) {
            return false;
        }
        if (!app.strategy().isProgressive()) {
            return false;
        }
        return switch (app.strategy().rolloutKind()) {
            case CANARY -> k.traffic() != null;
            case BLUE_GREEN -> k.service() != null;
        };
    }

    /** Where the cluster's metrics are scraped (ingress-nginx, cAdvisor); null when unknown. */
    String prometheusUrl() {
        return prometheusUrl;
    }

    /**
     * Where the canary's analysis reads its evidence: the spec's {@code analysis.source}, else (behind ingress-nginx,
     * with a Prometheus URL known) the ingress-nginx default queries; null when there is none.
     */
    public MetricSourceSpec source(AppSpec app) {
        MetricSourceSpec own = app.strategy().analysis().source();
        if (own != null || app.strategy().rolloutKind() == RolloutKind.BLUE_GREEN) {
            return own; // no user traffic reaches a blue/green preview through a router to measure
        }
        KubernetesSpec.Traffic t = app.kubernetes().traffic();
        if (prometheusUrl == null || t.ingressNginx() == null) {
            return null;
        }
        return IngressNginxMetrics.source(prometheusUrl, app.kubernetes().namespace(), t.ingressNginx().ingress());
    }

    /**
     * Starts the canary of {@code image} beside the serving revision and begins its rollout in {@code runner}.
     * Refuses (exit 2, nothing changed) an {@code analysis} step that would have nothing to judge, and (exit 4) a
     * second rollout while one is in progress.
     */
    DeployResult deploy(RolloutRunner runner, AppSpec app, Deployer.DeployRequest req, String image,
                        Supplier<Release> serving) {
        store.activeRollout(app.name()).ifPresent(r -> {
            throw RolloutRunner.busy(app.name(), r);
        });
        if (app.strategy().rolloutKind() == RolloutKind.BLUE_GREEN) {
            return blueGreen.deploy(runner, app, req, image, serving);
        }
        requireEvidence(app);
        if (image == null) {
            throw DeployGuardException.badInput("app " + app.name() + ": cannot tell which image to run as the canary:"
                    + " deployment " + app.kubernetes().namespace() + "/" + app.kubernetes().deploymentName(app.name())
                    + " or its container was not found; check platform.kubernetes.deployment and container");
        }
        String cause = req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "canary of " + req.version() + " by " + req.actor();
        Instant deadline = clock.instant().plus(preparationTimeout(app, req.timeout()));
        Release stable;
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            canary(client, app); // the route's objects: a missing Ingress or HTTPRoute is refused before anything
            stable = serving.get();
        }
        if (stable == null) {
            throw DeployGuardException.notFound("deployment " + app.kubernetes().namespace() + "/"
                    + app.kubernetes().deploymentName(app.name()) + " has no serving revision to canary beside");
        }
        // The revision the promotion will create: the stable Deployment's next one (renumbered once prepared, when
        // the stable pods' track label made a revision of their own).
        Release next = new Release(app.name(), stable.revision() + 1, req.version(), List.of(), Map.of(), 0,
                null, cause, req.actor(), clock.instant(), ReleaseStatus.PROGRESSING, null);
        Waiting.Preparing preparing = new Waiting.Preparing("the canary deployment " + app.kubernetes().namespace()
                + "/" + app.kubernetes().deploymentName(app.name()) + "-canary (" + image + ") to roll out", deadline,
                Map.of(KubernetesCanaryTarget.IMAGE, image, ClusterCanaryTarget.CHANGE_CAUSE, cause));
        Rollout r = runner.begin(next, stable, app, req.actor(), preparing);
        return new DeployResult(renumbered(next, r), r.stableRevision(), 0, "canary rollout of " + req.version()
                + " (" + image + ") " + started(app, r));
    }

    /**
     * How long the new release's workload may take to become ready before the rollout is rolled back: {@code
     * --timeout}, else the strategy's {@code progressDeadlineSeconds} (Flagger's progress deadline: fluxcd/flagger
     * pkg/canary/deployment_ready.go), else {@code platform.kubernetes.rolloutTimeout}.
     */
    static Duration preparationTimeout(AppSpec app, Duration requested) {
        return requested != null ? requested
                : app.strategy().progressDeadline().orElse(app.kubernetes().rolloutTimeout());
    }

    private static Release renumbered(Release next, Rollout r) {
        return next.revision() == r.canaryRevision() ? next : new Release(next.app(), r.canaryRevision(),
                next.version(), next.command(), next.env(), next.instances(), next.configHash(), next.changeCause(),
                next.actor(), next.createdAt(), next.status(), next.sourceRevision());
    }

    private static String started(AppSpec app, Rollout r) {
        if (r.waiting() instanceof Waiting.Preparing p) {
            return "preparing: waiting for " + p.text() + "; follow it with: deployguard status " + app.name()
                    + " --watch";
        }
        return r.phase().isDone() ? "finished: " + r.phase() + " " + r.outcome()
                : "started: canary weight " + RolloutEngine.percent(r.weight()) + ", "
                + (r.waiting() == null ? r.phase() : "waiting for " + r.waiting().text())
                + "; follow it with: deployguard status " + app.name() + " --watch";
    }

    /** Refuses (exit 2) a canary whose analysis step would have nothing to judge. */
    private void requireEvidence(AppSpec app) {
        if (source(app) == null && app.strategy().hasAnalysisStep()) {
            throw DeployGuardException.badInput("app " + app.name() + ": strategy.canary has an analysis step but"
                    + " there is no evidence to judge on Kubernetes: set strategy.canary.analysis.source (prometheus"
                    + " or web queries), or start the control plane with --prometheus-url (or DEPLOYGUARD_PROMETHEUS_URL)"
                    + " for the ingress-nginx default queries (ingressNginx traffic only), or remove the analysis step");
        }
    }

    /**
     * Starts the canary of a Helm release: the chart rendered with {@code versionValues} (the values a plain
     * deploy would add) gives the canary's pod template, run beside the release's Deployment; then the rollout
     * begins. The release itself is not written until promotion. Refuses as {@link #deploy} does.
     */
    DeployResult deployHelm(RolloutRunner runner, AppSpec app, Deployer.DeployRequest req, String versionValues,
                            Release stable) {
        store.activeRollout(app.name()).ifPresent(r -> {
            throw RolloutRunner.busy(app.name(), r);
        });
        if (app.strategy().rolloutKind() == RolloutKind.BLUE_GREEN) {
            return helmBlueGreen.deploy(runner, app, req, versionValues, stable);
        }
        requireEvidence(app);
        KubernetesSpec k = app.kubernetes();
        HelmChartRelease chart = chartRelease(app);
        String cause = req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "canary of " + req.version() + " by " + req.actor();
        Instant deadline = clock.instant().plus(preparationTimeout(app, req.timeout()));
        int latest;
        String deployment;
        try (KubernetesClient client = clients.apply(k)) {
            // Rendered here too, so a chart that does not render is refused before anything is recorded.
            deployment = chart.render(client, renderer, k.namespace(), versionValues).getMetadata().getName();
            List<HelmRelease> history = new HelmReleaseStorage(client, k.namespace(), clock).history(chart.release());
            latest = history.isEmpty() ? stable.revision() : history.get(history.size() - 1).version();
        }
        // The revision the promotion will create: the release's next one.
        Release next = new Release(app.name(), latest + 1, req.version(), List.of(), Map.of(), 0, null, cause,
                req.actor(), clock.instant(), ReleaseStatus.PROGRESSING, null);
        Waiting.Preparing preparing = new Waiting.Preparing("the canary deployment " + k.namespace() + "/"
                + deployment + "-canary (Helm release " + chart.release() + " at " + req.version() + ") to roll out",
                deadline, Map.of(HelmCanaryTarget.VERSION_VALUES, versionValues, ClusterCanaryTarget.CHANGE_CAUSE,
                cause));
        Rollout r = runner.begin(next, stable, app, req.actor(), preparing);
        return new DeployResult(next, stable.revision(), 0, "canary rollout of " + req.version() + " (Helm release "
                + k.namespace() + "/" + chart.release() + ", deployment " + deployment + "-canary) " + started(app, r));
    }

    /**
     * The rollout target of an app this class {@link #drives}: chosen once, from its strategy and whether a Helm
     * release or a plain Deployment runs it.
     */
    public RolloutTarget target(AppSpec app) {
        boolean helm = app.kubernetes().helm() != null;
        return switch (app.strategy().rolloutKind()) {
            case CANARY -> helm ? new HelmCanaryTarget(this, app) : new KubernetesCanaryTarget(this, app);
            case BLUE_GREEN -> helm ? new HelmBlueGreenTarget(helmBlueGreen, this, app)
                    : new KubernetesBlueGreenTarget(blueGreen, coldRollbacks, this, app);
        };
    }

    /** Where the analysis of {@code app}'s rollout reads its windows ({@link #source}); all missing when none. */
    MetricSource evidence(AppSpec app) {
        MetricSourceSpec spec = source(app);
        return spec == null ? MetricSource.none("no analysis source for this Kubernetes canary")
                : MetricSources.of(spec);
    }

    /**
     * The event of an aborted rollout on the cluster, the same for canary and blue/green: {@code rollback.automatic}
     * when the system rolled back (incidents open on it), else {@code rollback.succeeded}; with the revisions and how
     * long the rollout ran before it was stopped. {@code abort: true} and the rollout's id tell {@link AbortGitRestore}
     * to write the git restore commit.
     */
    static void recordAbort(EventLog events, Clock clock, Rollout before, Rollout r, String actor, String message) {
        boolean automatic = "system".equals(actor);
        events.record(r.app(), r.canaryRevision(), actor, automatic ? EventKinds.ROLLBACK_AUTOMATIC
                : EventKinds.ROLLBACK_SUCCEEDED, message, Map.of("from", r.canaryRevision(), "to", r.stableRevision(),
                "detectSeconds", Duration.between(before.startedAt(), clock.instant()).toMillis() / 1000.0,
                "automatic", automatic, "rollout", r.id(), "abort", true));
    }

    Function<KubernetesSpec, KubernetesClient> clients() {
        return clients;
    }

    EventLog events() {
        return events;
    }

    Clock clock() {
        return clock;
    }

    ChartRenderer renderer() {
        return renderer;
    }

    static KubernetesCanary canary(KubernetesClient client, AppSpec app) {
        return new KubernetesCanary(client, CanaryRoutes.workload(app.name(), app.kubernetes()),
                CanaryRoutes.route(client, app.name(), app.kubernetes()), 1);
    }

    static HelmChartRelease chartRelease(AppSpec app) {
        KubernetesSpec.Helm h = app.kubernetes().helm();
        return new HelmChartRelease(h.releaseName(app.name()), java.nio.file.Path.of(h.chart()), h.values(),
                h.deployment());
    }

    static String what(AppSpec app) {
        return (app.kubernetes().helm() != null ? "Helm release " : "deployment ") + where(app);
    }

    static String where(AppSpec app) {
        KubernetesSpec k = app.kubernetes();
        return k.namespace() + "/" + (k.helm() != null ? k.helm().releaseName(app.name())
                : k.deploymentName(app.name()));
    }

    static String route(AppSpec app) {
        KubernetesSpec.Traffic t = app.kubernetes().traffic();
        return t.ingressNginx() != null ? "ingress " + t.ingressNginx().ingress() + "-canary"
                : "httproute " + t.gatewayApi().httpRoute();
    }
}
