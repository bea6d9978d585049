package dev.deployguard.server.kubernetes;

import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.spec.AppSpec;

/**
 * Blue/green of a Deployment between two slots ({@link KubernetesBlueGreenRollouts}); also the slot a cold
 * {@code rollback} starts again ({@link KubernetesBlueGreenColdRollback}).
 */
final class KubernetesBlueGreenTarget extends ClusterBlueGreenTarget {
    private final KubernetesBlueGreenRollouts slots;
    private final KubernetesBlueGreenColdRollback rollbacks;

    KubernetesBlueGreenTarget(KubernetesBlueGreenRollouts slots, KubernetesBlueGreenColdRollback rollbacks,
                              KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
        this.slots = slots;
        this.rollbacks = rollbacks;
    }

    /** A deploy's new slot, or (a cold {@code rollback}) the target revision's slot started again. */
    @Override
    public Progress prepare(Rollout r, Waiting.Preparing p, String actor) {
        return KubernetesBlueGreenColdRollback.isRollback(p) ? rollbacks.prepare(app, r, p) : slots.prepare(app, r, p);
    }

    @Override
    public Rollout prepared(Rollout r, Waiting.Preparing p) {
        return KubernetesBlueGreenColdRollback.isRollback(p) ? rollbacks.prepared(r, p) : r;
    }

    @Override
    void promote(Rollout r, String actor) {
        slots.promote(app, r, actor);
    }

    @Override
    void rollBack(Rollout r, String reason, String actor) {
        if (rollbacks.isRollback(app, r)) {
            rollbacks.giveUp(app, r, reason, actor);
            return;
        }
        slots.rollBack(app, r, r, reason, actor);
    }

    @Override
    boolean finish(Rollout r, String actor) {
        return slots.finish(app, r, actor);
    }
}
