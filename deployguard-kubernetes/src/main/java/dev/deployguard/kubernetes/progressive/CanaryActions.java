package dev.deployguard.kubernetes.progressive;

import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import java.util.Objects;

/**
 * Carries out the rollout engine's actions on a Kubernetes canary, as the local platform's runner does on its
 * router: SetWeight moves the weight, Promote makes the canary's template the stable one, RollBack aborts (weight
 * 0 first) and, when the canary had already been promoted (a FAIL during the bake), also returns the stable
 * Deployment to its previous revision as {@code kubectl rollout undo} does; Finish retires the canary once the
 * stable Deployment has rolled out. Webhooks and records are not the cluster's business and are left to the caller.
 */
public final class CanaryActions {
    private final KubernetesCanary canary;
    private final DeploymentRollback rollback;

    public CanaryActions(KubernetesCanary canary, DeploymentRollback rollback) {
        this.canary = Objects.requireNonNull(canary, "canary");
        this.rollback = Objects.requireNonNull(rollback, "rollback");
    }

    /**
     * Applies one action of {@code rollout}'s decision; answers WAITING_FOR_STABLE when a Finish must be applied
     * again later (the promoted template is still rolling out), DONE otherwise.
     */
    public KubernetesCanary.Progress apply(Action action, Rollout rollout) {
        if (action instanceof Action.SetWeight w) {
            canary.setWeight(w.basisPoints());
        } else if (action instanceof Action.Promote) {
            canary.promote("DeployGuard: promoted revision " + rollout.canaryRevision() + " of " + rollout.app()
                    + " after its canary (rollout " + rollout.id() + ")");
        } else if (action instanceof Action.RollBack rb) {
            boolean undoStable = canary.promoted();
            canary.abort();
            if (undoStable) {
                AppWorkload w = canary.workload();
                rollback.rollback(w.namespace(), w.deployment(), null, "deployguard", rb.reason());
            }
        } else if (action instanceof Action.Finish) {
            return canary.completePromotion();
        }
        return KubernetesCanary.Progress.DONE;
    }
}
