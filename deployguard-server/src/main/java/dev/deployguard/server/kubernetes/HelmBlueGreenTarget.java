package dev.deployguard.server.kubernetes;

import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.AppSpec;

/** Blue/green of a Helm release: a slot beside the release's Deployment, the upgrade at the end. */
final class HelmBlueGreenTarget extends ClusterBlueGreenTarget {
    private final HelmBlueGreenRollouts slots;

    HelmBlueGreenTarget(HelmBlueGreenRollouts slots, KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
        this.slots = slots;
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
