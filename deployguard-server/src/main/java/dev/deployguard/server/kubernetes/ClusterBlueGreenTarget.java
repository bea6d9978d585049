package dev.deployguard.server.kubernetes;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.spec.AppSpec;
import java.time.Instant;

/**
 * Blue/green on the cluster: the new release waits in a slot behind {@code <service>-preview} with no user traffic
 * (so weights are not set), promotion and rollback are switches of the Service, finishing retires the idle side.
 * {@link KubernetesBlueGreenTarget} switches between two slot Deployments, {@link HelmBlueGreenTarget} between a
 * slot and the Helm release's own Deployment.
 */
abstract sealed class ClusterBlueGreenTarget implements RolloutTarget
        permits KubernetesBlueGreenTarget, HelmBlueGreenTarget {
    final KubernetesRollouts cluster;
    final AppSpec app;

    ClusterBlueGreenTarget(KubernetesRollouts cluster, AppSpec app) {
        this.cluster = cluster;
        this.app = app;
    }

    abstract void promote(Rollout r, String actor);

    abstract void rollBack(Rollout r, String reason, String actor);

    /** False while the platform has not caught up (asked again on a later tick). */
    abstract boolean finish(Rollout r, String actor);

    @Override
    public void begin(Rollout r, String actor) {
        // The slot was started and rolled out before the rollout began; no user traffic reaches it yet.
    }

    @Override
    public Progress apply(Action a, Rollout r, String actor) {
        if (a instanceof Action.Promote) {
            promote(r, actor);
        } else if (a instanceof Action.RollBack rb) {
            rollBack(r, rb.reason(), actor);
        } else if (a instanceof Action.Finish) {
            return finish(r, actor) ? Progress.DONE : Progress.NOT_YET;
        }
        // Action.SetWeight: blue/green has no weights, the new slot gets no users until the switch.
        return Progress.DONE;
    }

    @Override
    public MetricSource evidence(Rollout r, Instant since) {
        return cluster.evidence(app);
    }
}
