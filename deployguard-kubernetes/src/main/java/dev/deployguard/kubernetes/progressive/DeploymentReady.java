package dev.deployguard.kubernetes.progressive;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/**
 * Whether a canary Deployment serves, judged as Flagger judges its canary on each analysis iteration (fluxcd/flagger
 * pkg/canary/deployment_ready.go isDeploymentReady, with the default canaryReadyThreshold of 100%): the controller
 * has seen the latest generation, every wanted replica is updated, no old replica is left and every updated replica
 * is available. The reasons are Flagger's sentences.
 */
public final class DeploymentReady {
    private DeploymentReady() {
    }

    /** Why {@code d} is not ready, or null when it is. */
    public static String notReady(Deployment d) {
        DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        long observed = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
        if (generation > observed) {
            return "waiting for rollout to finish: observed deployment generation less than desired generation";
        }
        int updated = orZero(s.getUpdatedReplicas());
        int replicas = orZero(s.getReplicas());
        int available = orZero(s.getAvailableReplicas());
        Integer wanted = d.getSpec() == null ? null : d.getSpec().getReplicas();
        if (wanted != null && updated < wanted) {
            return "waiting for rollout to finish: " + updated + " out of " + wanted
                    + " new replicas have been updated";
        }
        if (replicas > updated) {
            return "waiting for rollout to finish: " + (replicas - updated) + " old replicas are pending termination";
        }
        if (available < updated) {
            return "waiting for rollout to finish: " + available + " of " + updated
                    + " (readyThreshold 100%) updated replicas are available";
        }
        return null;
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }
}
