package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.progressive.AppWorkload;
import dev.deployguard.kubernetes.progressive.HelmBlueGreen;
import dev.deployguard.kubernetes.progressive.HelmChartRelease;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The cluster's side of a blue/green rollout of a Helm release ({@link HelmBlueGreen}): the chart rendered with the
 * new version runs in a slot behind {@code <service>-preview} (prepared by the rollout's ticks, {@link #prepare});
 * promotion switches the release's Service to the slot; abort switches it back to the warm chart Deployment; finishing writes the Helm upgrade and, once the chart's
 * Deployment has rolled it out, moves users back onto it and retires the slot.
 */
final class HelmBlueGreenRollouts {
    private final EventLog events;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clients;
    private final ChartRenderer renderer;

    HelmBlueGreenRollouts(EventLog events, Clock clock, Function<KubernetesSpec, KubernetesClient> clients,
                          ChartRenderer renderer) {
        this.events = events;
        this.clock = clock;
        this.clients = clients;
        this.renderer = renderer;
    }

    /**
     * Records the blue/green rollout of the chart at {@code versionValues} and returns at once: the rollout waits
     * ({@link Waiting.Preparing}) while the ticks start the slot and wait for it to roll out ({@link #prepare}); at
     * the deadline ({@code --timeout}, else the strategy's {@code progressDeadlineSeconds}, else
     * {@code rolloutTimeout}) the slot is scaled to 0 and users stay on the
     * release's Deployment. Refuses (exit 2, nothing recorded) an {@code analysis} step with no source and a chart
     * that does not render.
     */
    DeployResult deploy(RolloutRunner runner, AppSpec app, Deployer.DeployRequest req, String versionValues,
                        Release stable) {
        Strategy.BlueGreen bg = (Strategy.BlueGreen) app.strategy();
        if (bg.analysis().source() == null && bg.prePromotion().stream().anyMatch(Step.Analysis.class::isInstance)) {
            throw DeployGuardException.badInput("app " + app.name() + ": strategy.blueGreen has an analysis step but"
                    + " there is no evidence to judge on Kubernetes: set strategy.blueGreen.analysis.source"
                    + " (prometheus or web queries) or remove the analysis step");
        }
        KubernetesSpec k = app.kubernetes();
        HelmChartRelease chart = KubernetesRollouts.chartRelease(app);
        String cause = req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "blue/green of " + req.version() + " by " + req.actor();
        Instant deadline = clock.instant().plus(KubernetesRollouts.preparationTimeout(app, req.timeout()));
        int latest;
        String slot;
        try (KubernetesClient client = clients.apply(k)) {
            HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), clock);
            // Rendered here too, so a chart that does not render is refused before anything is recorded.
            Deployment rendered = chart.render(client, renderer, k.namespace(), versionValues);
            slot = slots(client, app, storage, rendered.getMetadata().getName()).slotDeployment();
            List<HelmRelease> history = storage.history(chart.release());
            latest = history.isEmpty() ? stable.revision() : history.get(history.size() - 1).version();
        }
        Release next = new Release(app.name(), latest + 1, req.version(), List.of(), Map.of(), 0, null, cause,
                req.actor(), clock.instant(), ReleaseStatus.PROGRESSING, null);
        Waiting.Preparing preparing = new Waiting.Preparing("the slot " + k.namespace() + "/" + slot + " (Helm"
                + " release " + chart.release() + " at " + req.version() + ") to roll out", deadline, Map.of(
                VERSION_VALUES, versionValues, ClusterBlueGreenTarget.CHANGE_CAUSE, cause,
                ClusterBlueGreenTarget.ACTOR, req.actor(), VERSION, req.version()));
        Rollout r = runner.begin(next, stable, app, req.actor(), preparing);
        return new DeployResult(next, stable.revision(), 0, ClusterBlueGreenTarget.started(app, r,
                "blue/green rollout of " + req.version() + " (Helm release " + k.namespace() + "/" + chart.release()
                        + ") in slot " + slot + ", previewed on Service " + k.service() + "-preview;",
                "the release's Deployment", "the slot"));
    }

    /** The plan's keys: the values a plain deploy of the version would add, and the version. */
    static final String VERSION_VALUES = "versionValues";
    static final String VERSION = "version";

    /**
     * A tick of the preparation of {@code r}: the slot started with the chart rendered at the version (once; the
     * first time the release's pods are first given the stable track by a rolling update), then DONE once the slot
     * has rolled out, with a {@code preview.started} event. Never waits.
     */
    RolloutTarget.Progress prepare(AppSpec app, Rollout r, Waiting.Preparing p) {
        KubernetesSpec k = app.kubernetes();
        String values = p.plan().get(VERSION_VALUES);
        String cause = p.plan().get(ClusterBlueGreenTarget.CHANGE_CAUSE);
        Map<String, String> marks = Map.of(HelmChartRelease.VERSION_VALUES, values);
        String slot;
        try (KubernetesClient client = clients.apply(k)) {
            HelmBlueGreen slots = slots(client, app);
            slot = slots.slotDeployment();
            if (!slots.started(cause, marks)) {
                HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), clock);
                Deployment rendered = KubernetesRollouts.chartRelease(app).render(client, renderer, k.namespace(),
                        values);
                if (slots(client, app, storage, rendered.getMetadata().getName()).deploy(
                        rendered.getSpec().getTemplate(), cause, marks) != HelmBlueGreen.Progress.DONE) {
                    return RolloutTarget.Progress.NOT_YET;
                }
            }
            if (!slots.ready()) {
                return RolloutTarget.Progress.NOT_YET;
            }
        }
        events.record(app.name(), r.canaryRevision(), p.plan().get(ClusterBlueGreenTarget.ACTOR), "preview.started",
                p.plan().get(VERSION) + " rolled out in slot " + slot + " and is previewed through Service "
                        + k.namespace() + "/" + k.service() + "-preview with no user traffic");
        return RolloutTarget.Progress.DONE;
    }

    void promote(AppSpec app, Rollout r, String actor) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            HelmBlueGreen slots = slots(client, app);
            slots.promote();
            events.record(r.app(), r.canaryRevision(), actor, EventKinds.TRAFFIC_SWITCHED, "Service "
                    + where(app) + " selects slot " + slots.slotDeployment() + " (" + r.app() + " revision "
                    + r.canaryRevision() + "); the release's Deployment stays warm until the Helm upgrade",
                    Map.of("slot", HelmBlueGreen.PREVIEW, "weight", Track.FULL));
        }
    }

    void rollBack(AppSpec app, Rollout before, Rollout r, String reason, String actor) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            HelmBlueGreen slots = slots(client, app);
            slots.abort();
            KubernetesRollouts.recordAbort(events, clock, before, r, actor, "blue/green rollout of revision "
                    + r.canaryRevision() + " aborted: Service " + where(app) + " selects the Helm release's Deployment (revision "
                    + r.stableRevision() + "), the slot is scaled to 0, the release is not upgraded: " + reason);
        }
    }

    boolean finish(AppSpec app, Rollout r, String actor) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            HelmBlueGreen slots = slots(client, app);
            if (slots.finish(r.canaryRevision(), "DeployGuard: blue/green revision " + r.canaryRevision() + " of "
                    + r.app() + " (rollout " + r.id() + ")") == HelmBlueGreen.Progress.WAITING) {
                return false;
            }
            events.record(r.app(), r.canaryRevision(), actor, EventKinds.DEPLOY_SUCCEEDED, "Helm release "
                    + app.kubernetes().namespace() + "/" + KubernetesRollouts.chartRelease(app).release()
                    + " upgraded and rolled out; Service " + where(app) + " selects its Deployment again and the"
                    + " slot " + slots.slotDeployment() + " is scaled to 0");
            return true;
        }
    }

    private HelmBlueGreen slots(KubernetesClient client, AppSpec app) {
        KubernetesSpec k = app.kubernetes();
        HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), clock);
        return slots(client, app, storage, KubernetesRollouts.chartRelease(app).deploymentName(client, storage));
    }

    private HelmBlueGreen slots(KubernetesClient client, AppSpec app, HelmReleaseStorage storage, String deployment) {
        KubernetesSpec k = app.kubernetes();
        return new HelmBlueGreen(client, new AppWorkload(k.namespace(), deployment, k.service()), storage, renderer,
                KubernetesRollouts.chartRelease(app), k.rolloutTimeout(),
                () -> HelmApps.kubeconfigForHelm(k, client));
    }

    private static String where(AppSpec app) {
        return app.kubernetes().namespace() + "/" + app.kubernetes().service();
    }
}
