package dev.deployguard.server.kubernetes;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Waiting;
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

    /** The plan's keys (see {@link Waiting.Preparing#plan}): the image, the change-cause, who deployed. */
    static final String IMAGE = "image";
    static final String CHANGE_CAUSE = "changeCause";
    static final String ACTOR = "actor";

    /**
     * The deploy's answer: {@code prefix} (what and where, ending in ";"), then how the rollout stands: preparing
     * (the CLI's {@code deploy} follows it and writes the rest as below), finished, promoted (users on
     * {@code fresh}) or users still on {@code serving}.
     */
    static String started(AppSpec app, Rollout r, String prefix, String serving, String fresh) {
        String follow = "; follow it with: deployguard status " + app.name() + " --watch";
        if (r.waiting() instanceof Waiting.Preparing p) {
            return prefix + " preparing: waiting for " + p.text() + follow;
        }
        return prefix + " " + (r.phase().isDone() ? "finished: " + r.phase() + " " + r.outcome()
                : r.phase() == Rollout.Phase.BAKING ? "promoted: users are on " + fresh
                : "users stay on " + serving + ", " + (r.waiting() == null ? r.phase()
                : "waiting for " + r.waiting().text())) + follow;
    }

    abstract void promote(Rollout r, String actor);

    abstract void rollBack(Rollout r, String reason, String actor);

    /** False while the platform has not caught up (asked again on a later tick). */
    abstract boolean finish(Rollout r, String actor);

    /**
     * Preparation: the new slot started (once), ready when it has rolled out; asked on each tick until then, by a
     * restarted control plane too. A slot given up at the deadline is retired by the rollback ({@link #rollBack}).
     */
    @Override
    public abstract Progress prepare(Rollout r, Waiting.Preparing p, String actor);

    @Override
    public void begin(Rollout r, String actor) {
        // The slot was started and rolled out while the rollout was prepared; no user traffic reaches it yet.
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
