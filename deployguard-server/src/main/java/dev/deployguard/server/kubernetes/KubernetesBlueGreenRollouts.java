package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
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
import dev.deployguard.spec.Durations;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cluster's side of a blue/green rollout of a Kubernetes app ({@code strategy.blueGreen} with
 * {@code platform.kubernetes.service}): the new release starts in the idle slot behind {@code <service>-preview},
 * the rollout is persisted and stepped by {@link RolloutRunner} like a canary (first prepared: ticked until the slot
 * has rolled out, see {@link #prepare}), and its promotion, rollback and finish
 * are carried out by {@link KubernetesBlueGreen} as single Service selector switches and slot scale-downs.
 */
final class KubernetesBlueGreenRollouts {
    private final Store store;
    private final EventLog events;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clients;

    KubernetesBlueGreenRollouts(Store store, EventLog events, Clock clock,
                                Function<KubernetesSpec, KubernetesClient> clients) {
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.clients = clients;
    }

    /**
     * Records the blue/green rollout of {@code image} and returns at once: the rollout waits ({@link
     * Waiting.Preparing}) while the ticks start the image in the idle slot and wait for it to roll out ({@link
     * #prepare}); at the deadline ({@code --timeout}, else the strategy's {@code progressDeadlineSeconds}, else
     * {@code rolloutTimeout}) the slot is scaled back to 0 and
     * users stay where they were. Refuses (exit 2, nothing changed) an {@code analysis} step with no source.
     */
    DeployResult deploy(RolloutRunner runner, AppSpec app, Deployer.DeployRequest req, String image,
                        Supplier<Release> serving) {
        Strategy.BlueGreen bg = (Strategy.BlueGreen) app.strategy();
        if (bg.analysis().source() == null && bg.prePromotion().stream().anyMatch(Step.Analysis.class::isInstance)) {
            throw DeployGuardException.badInput("app " + app.name() + ": strategy.blueGreen has an analysis step but"
                    + " there is no evidence to judge on Kubernetes: set strategy.blueGreen.analysis.source"
                    + " (prometheus or web queries) or remove the analysis step");
        }
        KubernetesSpec k = app.kubernetes();
        if (image == null) {
            throw DeployGuardException.badInput("app " + app.name() + ": cannot tell which image to run in the new"
                    + " slot: deployment " + k.namespace() + "/" + k.deploymentName(app.name()) + " or its container"
                    + " was not found; check platform.kubernetes.deployment and container");
        }
        Optional<Rollout> last = store.rollouts(app.name(), 1).stream().findFirst();
        int stableRevision;
        if (last.isPresent()) {
            Rollout l = last.get();
            stableRevision = l.phase() == Rollout.Phase.SUCCEEDED ? l.canaryRevision() : l.stableRevision();
        } else {
            Release s = serving.get();
            if (s == null) {
                throw DeployGuardException.notFound("deployment " + k.namespace() + "/" + k.deploymentName(app.name())
                        + " has no serving revision to start a blue/green rollout from");
            }
            stableRevision = s.revision();
        }
        int nextRevision = Math.max(stableRevision, last.map(Rollout::canaryRevision).orElse(0)) + 1;
        String cause = req.changeCause() != null && !req.changeCause().isBlank() ? req.changeCause()
                : "blue/green of " + req.version() + " by " + req.actor();
        Instant deadline = clock.instant().plus(KubernetesRollouts.preparationTimeout(app, req.timeout()));
        Slot fresh;
        String slotDeployment;
        String stableVersion;
        try (KubernetesClient client = clients.apply(k)) {
            KubernetesBlueGreen slots = slots(client, app);
            Optional<Slot> live = slots.live();
            fresh = live.map(Slot::other).orElse(Slot.GREEN); // the first time, the app is adopted into blue
            slotDeployment = slots.slotDeployment(fresh);
            stableVersion = version(client, k, live.map(slots::slotDeployment).orElse(k.deploymentName(app.name())));
        }
        Release stable = new Release(app.name(), stableRevision, stableVersion, List.of(), Map.of(), 0, null, null,
                req.actor(), clock.instant(), ReleaseStatus.DEPLOYED, null);
        Release next = new Release(app.name(), nextRevision, req.version(), List.of(), Map.of(), 0, null, cause,
                req.actor(), clock.instant(), ReleaseStatus.PROGRESSING, null);
        Waiting.Preparing preparing = new Waiting.Preparing("deployment " + k.namespace() + "/" + slotDeployment
                + " (" + image + ") to roll out in slot " + fresh.label(), deadline, Map.of(
                ClusterBlueGreenTarget.IMAGE, image, ClusterBlueGreenTarget.CHANGE_CAUSE, cause,
                ClusterBlueGreenTarget.ACTOR, req.actor()));
        Rollout r = runner.begin(next, stable, app, req.actor(), preparing);
        return new DeployResult(next, stableRevision, 0, ClusterBlueGreenTarget.started(app, r,
                "blue/green rollout of " + req.version() + " (" + image + ") in slot " + fresh.label()
                        + ", previewed on Service " + k.service() + "-preview;",
                "slot " + fresh.other().label(), "slot " + fresh.label()));
    }

    /**
     * A tick of the preparation of {@code r}: the image started in the idle slot (once; the first time the app is
     * first moved into slot blue, which must roll out before the new slot starts), then DONE once that slot has
     * rolled out, with a {@code preview.started} event. Never waits.
     */
    RolloutTarget.Progress prepare(AppSpec app, Rollout r, Waiting.Preparing p) {
        KubernetesSpec k = app.kubernetes();
        String image = p.plan().get(ClusterBlueGreenTarget.IMAGE);
        Slot fresh;
        String deployment;
        try (KubernetesClient client = clients.apply(k)) {
            KubernetesBlueGreen slots = slots(client, app);
            Optional<Slot> started = slots.previewing(r.canaryRevision());
            if (started.isEmpty()) {
                started = slots.deploy(k.container(), image, p.plan().get(ClusterBlueGreenTarget.CHANGE_CAUSE),
                        new KubernetesBlueGreen.Stamp(r.stableRevision(), r.canaryRevision(),
                                p.plan().get(ClusterBlueGreenTarget.ACTOR)));
            }
            if (started.isEmpty() || !slots.ready(started.get())) {
                return RolloutTarget.Progress.NOT_YET;
            }
            fresh = started.get();
            deployment = slots.slotDeployment(fresh);
        }
        events.record(app.name(), r.canaryRevision(), p.plan().get(ClusterBlueGreenTarget.ACTOR), "preview.started",
                "revision " + r.canaryRevision() + " (" + image + ") rolled out in slot " + fresh.label() + " ("
                        + k.namespace() + "/" + deployment + ") and is previewed through Service " + k.namespace()
                        + "/" + k.service() + "-preview with no user traffic");
        return RolloutTarget.Progress.DONE;
    }

    /** All users to the new slot: one update of the Service's selector; the old slot stays warm. */
    void promote(AppSpec app, Rollout r, String actor) {
        Strategy.BlueGreen bg = (Strategy.BlueGreen) app.strategy();
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            KubernetesBlueGreen slots = slots(client, app);
            slots.promote();
            Slot live = slots.live().orElseThrow();
            events.record(r.app(), r.canaryRevision(), actor, EventKinds.TRAFFIC_SWITCHED, "Service " + where(app)
                    + " selects slot " + live.label() + " (revision " + r.canaryRevision() + "); slot "
                    + live.other().label() + " stays warm for " + Durations.format(bg.scaleDownDelay()),
                    Map.of("slot", live.label(), "weight", Track.FULL));
        }
    }

    /** Users back on (or kept on) the old slot at once, then the new slot scaled to 0. */
    void rollBack(AppSpec app, Rollout before, Rollout r, String reason, String actor) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            KubernetesBlueGreen slots = slots(client, app);
            slots.abort();
            String live = slots.live().map(Slot::label).orElse("none");
            KubernetesRollouts.recordAbort(events, clock, before, r, actor, "blue/green rollout of revision "
                    + r.canaryRevision() + " aborted: Service " + where(app) + " selects slot " + live + " (revision "
                    + r.stableRevision() + "), the new slot is scaled to 0: " + reason);
        }
    }

    /** After the scale-down delay (the engine's bake): the slot users no longer reach is scaled to 0. */
    boolean finish(AppSpec app, Rollout r, String actor) {
        try (KubernetesClient client = clients.apply(app.kubernetes())) {
            KubernetesBlueGreen slots = slots(client, app);
            slots.scaleDownIdle();
            Slot live = slots.live().orElseThrow();
            events.record(r.app(), r.canaryRevision(), actor, EventKinds.DEPLOY_SUCCEEDED, "revision "
                    + r.canaryRevision() + " serves 100% of " + r.app() + " traffic from slot " + live.label()
                    + "; the idle slot " + live.other().label() + " is scaled to 0");
        }
        return true;
    }

    private static KubernetesBlueGreen slots(KubernetesClient client, AppSpec app) {
        return new KubernetesBlueGreen(client, CanaryRoutes.workload(app.name(), app.kubernetes()));
    }

    /** The version the slot's container runs (its image tag or digest). */
    private static String version(KubernetesClient client, KubernetesSpec k, String deployment) {
        Deployment d = client.apps().deployments().inNamespace(k.namespace()).withName(deployment).get();
        if (d == null) {
            return "unknown";
        }
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> k.container() == null || k.container().equals(c.getName()))
                .map(Container::getImage).findFirst().map(KubernetesApps::version).orElse("unknown");
    }

    private static String where(AppSpec app) {
        return app.kubernetes().namespace() + "/" + app.kubernetes().service();
    }

}
