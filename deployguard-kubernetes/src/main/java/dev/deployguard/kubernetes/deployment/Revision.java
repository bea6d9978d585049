package dev.deployguard.kubernetes.deployment;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One row of a Deployment's rollout history, read from the ReplicaSet that carries it, as
 * {@code kubectl rollout history} shows it.
 *
 * @param number      the {@code deployment.kubernetes.io/revision} annotation (0 when the ReplicaSet has none)
 * @param changeCause the ReplicaSet's {@code kubernetes.io/change-cause} (or its template's); null when none
 * @param replicaSet  the ReplicaSet's name
 * @param template    the pod template of that revision (with its pod-template-hash label)
 * @param annotations the ReplicaSet's annotations (DeployGuard's rollback record travels there)
 * @param current     true for the revision whose template the Deployment runs now
 * @param createdAt   when the ReplicaSet was created; null when the server did not say
 */
public record Revision(long number, String changeCause, String replicaSet, PodTemplateSpec template,
                       Map<String, String> annotations, boolean current, Instant createdAt) {
    public Revision {
        annotations = Map.copyOf(annotations);
    }

    /** The images of the revision's containers, in order. */
    public List<String> images() {
        return template.getSpec().getContainers().stream().map(c -> c.getImage()).toList();
    }

    /** The change-cause as the history table prints it. */
    public String changeCauseOrNone() {
        return changeCause == null || changeCause.isEmpty() ? "<none>" : changeCause;
    }
}
