package dev.deployguard.kubernetes.progressive;

import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import java.util.Objects;

/**
 * Carries out the rollout engine's actions on a Kubernetes canary, as the local platform's runner does on its
 * router: SetWeight moves the weight, Promote makes the canary's release the stable one, RollBack aborts (weight
 * 0 first) and, when the canary had already been promoted (a FAIL during the bake), also returns the stable side
 * to its previous revision; Finish retires the canary once the stable Deployment has rolled out. Webhooks and
 * records are not the cluster's business and are left to the caller.
 */
public final class CanaryActions {
    /**
     * How the canary's release becomes the stable one, and is taken back: for a Deployment, its pod template copied
     * into the stable Deployment ({@code kubectl rollout undo} to take it back); for a Helm release, a Helm upgrade
     * (a Helm rollback).
     */
    public interface Promotion {
        /** Makes the canary's release the stable one; traffic stays split until the stable side has rolled out. */
        void promote(Rollout rollout, String changeCause);

        /** Whether {@link #promote} happened for this rollout. */
        boolean promoted(Rollout rollout);

        /** Returns the stable side to the release it ran before the promotion. */
        void undo(Rollout rollout, String reason);
    }

    private final KubernetesCanary canary;
    private final Promotion promotion;

    /** A canary of a Deployment: promotion copies the canary's template into the stable Deployment. */
    public CanaryActions(KubernetesCanary canary, DeploymentRollback rollback) {
        this(canary, templateCopy(canary, Objects.requireNonNull(rollback, "rollback")));
    }

    public CanaryActions(KubernetesCanary canary, Promotion promotion) {
        this.canary = Objects.requireNonNull(canary, "canary");
        this.promotion = Objects.requireNonNull(promotion, "promotion");
    }

    /**
     * Applies one action of {@code rollout}'s decision; answers WAITING_FOR_STABLE when a Finish must be applied
     * again later (the promoted release is still rolling out), DONE otherwise.
     */
    public KubernetesCanary.Progress apply(Action action, Rollout rollout) {
        if (action instanceof Action.SetWeight w) {
            canary.setWeight(w.basisPoints());
        } else if (action instanceof Action.Promote) {
            promotion.promote(rollout, "DeployGuard: promoted revision " + rollout.canaryRevision() + " of "
                    + rollout.app() + " after its canary (rollout " + rollout.id() + ")");
        } else if (action instanceof Action.RollBack rb) {
            boolean undoStable = promotion.promoted(rollout);
            canary.abort();
            if (undoStable) {
                promotion.undo(rollout, rb.reason());
            }
        } else if (action instanceof Action.Finish) {
            return canary.completePromotion();
        }
        return KubernetesCanary.Progress.DONE;
    }

    private static Promotion templateCopy(KubernetesCanary canary, DeploymentRollback rollback) {
        return new Promotion() {
            @Override
            public void promote(Rollout rollout, String changeCause) {
                canary.promote(changeCause);
            }

            @Override
            public boolean promoted(Rollout rollout) {
                return canary.promoted();
            }

            @Override
            public void undo(Rollout rollout, String reason) {
                AppWorkload w = canary.workload();
                rollback.rollback(w.namespace(), w.deployment(), null, "deployguard", reason);
            }
        };
    }
}
