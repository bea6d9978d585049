package dev.deployguard.server.kubernetes;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.server.metrics.ContainerResources;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.progressive.CanaryActions;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Map;

/**
 * A canary on the cluster: weights on the app's Ingress (ingress-nginx) or HTTPRoute (Gateway API), carried out by
 * {@link CanaryActions}; promotion is the Deployment's template ({@link KubernetesCanaryTarget}) or the Helm upgrade
 * ({@link HelmCanaryTarget}). Each action takes a client from the control plane's shared one per cluster.
 */
abstract sealed class ClusterCanaryTarget implements RolloutTarget permits KubernetesCanaryTarget, HelmCanaryTarget {
    final KubernetesRollouts cluster;
    final AppSpec app;

    ClusterCanaryTarget(KubernetesRollouts cluster, AppSpec app) {
        this.cluster = cluster;
        this.app = app;
    }

    /** The plan's key for the change-cause the canary Deployment records (see {@link Waiting.Preparing#plan}). */
    static final String CHANGE_CAUSE = "changeCause";

    /** The canary beside the serving Deployment, on {@code client}. */
    abstract KubernetesCanary canary(KubernetesClient client);

    /** The canary Deployment's annotations that tell this preparation's canary from an earlier one. */
    abstract Map<String, String> marks(Map<String, String> plan);

    /** Starts (or goes on starting) the canary of {@code plan}: see {@link KubernetesCanary#start}. */
    abstract KubernetesCanary.Progress start(KubernetesClient client, Map<String, String> plan);

    /**
     * Preparation: the canary started (once: the stable pods take the track label first, the first time), then
     * ready when its Deployment has rolled out; asked on each tick, it writes nothing once the canary is started.
     */
    @Override
    public Progress prepare(Rollout r, Waiting.Preparing p, String actor) {
        try (KubernetesClient client = cluster.clients().apply(app.kubernetes())) {
            KubernetesCanary canary = canary(client);
            if (!canary.started(p.plan().get(CHANGE_CAUSE), marks(p.plan()))
                    && start(client, p.plan()) != KubernetesCanary.Progress.DONE) {
                return Progress.NOT_YET;
            }
            return canary.ready() ? Progress.DONE : Progress.NOT_YET;
        }
    }

    /**
     * During the analysis: the canary Deployment judged as Flagger does on each iteration
     * ({@link KubernetesCanary#notReady}), under the strategy's {@code progressDeadlineSeconds}, else the app's
     * {@code rolloutTimeout} (the deadline its preparation had).
     */
    @Override
    public java.util.Optional<Unready> unready(Rollout r) {
        KubernetesSpec k = app.kubernetes();
        String why;
        try (KubernetesClient client = cluster.clients().apply(k)) {
            why = canary(client).notReady();
        }
        return java.util.Optional.ofNullable(why).map(w -> new Unready("the canary deployment of "
                + KubernetesRollouts.where(app) + " to be ready again (" + w + ")",
                app.strategy().progressDeadline().orElse(k.rolloutTimeout())));
    }

    /** The canary's actions with this kind of promotion, on {@code client}. */
    abstract CanaryActions actions(KubernetesClient client);

    /** The event message of a promotion. */
    abstract String promoted(Rollout r);

    @Override
    public void begin(Rollout r, String actor) {
        apply(new Action.SetWeight(0), r, actor);
    }

    @Override
    public Progress apply(Action a, Rollout r, String actor) {
        KubernetesCanary.Progress p;
        try (KubernetesClient client = cluster.clients().apply(app.kubernetes())) {
            p = actions(client).apply(a, r);
        }
        if (a instanceof Action.SetWeight w) {
            cluster.events().record(r.app(), r.canaryRevision(), actor, EventKinds.TRAFFIC_SWITCHED, "canary weight "
                    + RolloutEngine.percent(w.basisPoints()) + " (" + KubernetesRollouts.route(app) + "), stable "
                    + RolloutEngine.percent(Track.FULL - w.basisPoints()), Map.of("weight", w.basisPoints()));
        } else if (a instanceof Action.Promote) {
            cluster.events().record(r.app(), r.canaryRevision(), actor, "rollout.promoted", promoted(r));
        } else if (a instanceof Action.RollBack rb) {
            KubernetesRollouts.recordAbort(cluster.events(), cluster.clock(), r, r, actor, "canary of revision "
                    + r.canaryRevision() + " aborted: weight 0, canary scaled to 0, " + KubernetesRollouts.what(app)
                    + " serves revision " + r.stableRevision() + ": " + rb.reason());
        } else if (a instanceof Action.Finish) {
            if (p == KubernetesCanary.Progress.WAITING_FOR_STABLE) {
                return Progress.NOT_YET;
            }
            cluster.events().record(r.app(), r.canaryRevision(), actor, EventKinds.DEPLOY_SUCCEEDED, "revision "
                    + r.canaryRevision() + " promoted and rolled out in " + KubernetesRollouts.what(app)
                    + "; the canary is retired and " + r.app() + " serves it to 100% of traffic");
        }
        return Progress.DONE;
    }

    /** Each track's Service gets half the built-in load ({@link ClusterLoadTargets}). */
    @Override
    public Map<String, java.net.URI> loadTargets(Rollout r) {
        KubernetesSpec k = app.kubernetes();
        if (k.traffic().loadTargets() != null || !ClusterLoadTargets.inCluster()) {
            return ClusterLoadTargets.of(k, false, null);
        }
        try (KubernetesClient client = cluster.clients().apply(k)) {
            return ClusterLoadTargets.of(k, true, client);
        }
    }

    @Override
    public MetricSource evidence(Rollout r, Instant since) {
        return cluster.evidence(app);
    }

    /** The stable Deployment's name (the canary's is it with {@code -canary}). */
    abstract String stableDeployment(KubernetesClient client);

    @Override
    public MetricQuery builtins(Rollout r, Instant since) {
        KubernetesSpec k = app.kubernetes();
        if (cluster.prometheusUrl() == null || k.traffic().ingressNginx() == null) {
            return (m, track, at) -> new MetricQuery.Answer.Unavailable("built-in measures on Kubernetes need the"
                    + " control plane's --prometheus-url and traffic through ingressNginx");
        }
        String deployment;
        try (KubernetesClient client = cluster.clients().apply(k)) {
            deployment = stableDeployment(client);
        }
        return ContainerResources.ingressNginx(cluster.prometheusUrl(), k.namespace(), deployment,
                k.traffic().ingressNginx().ingress(), java.time.Duration.ofSeconds(10));
    }
}
