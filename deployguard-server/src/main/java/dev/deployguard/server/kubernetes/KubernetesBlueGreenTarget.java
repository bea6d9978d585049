package dev.deployguard.server.kubernetes;

import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.spec.AppSpec;

/** Blue/green of a Deployment between two slots ({@link KubernetesBlueGreenRollouts}). */
final class KubernetesBlueGreenTarget extends ClusterBlueGreenTarget {
    private final KubernetesBlueGreenRollouts slots;

    KubernetesBlueGreenTarget(KubernetesBlueGreenRollouts slots, KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
        this.slots = slots;
    }

    @Override
    public Progress prepare(Rollout r, Waiting.Preparing p, String actor) {
        return slots.prepare(app, r, p);
    }

    @Override
    void promote(Rollout r, String actor) {
        slots.promote(app, r, actor);
    }

    @Override
    void rollBack(Rollout r, String reason, String actor) {
        slots.rollBack(app, r, r, reason, actor);
    }

    @Override
    boolean finish(Rollout r, String actor) {
        return slots.finish(app, r, actor);
    }
}
