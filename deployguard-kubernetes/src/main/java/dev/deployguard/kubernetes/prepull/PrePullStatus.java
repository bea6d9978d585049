package dev.deployguard.kubernetes.prepull;

/**
 * What the pre-pull DaemonSet's status says, read as {@code kubectl rollout status daemonset} reads it
 * (kubernetes/kubectl {@code pkg/polymorphichelpers/rollout_status.go}, {@code DaemonSetStatusViewer}): the
 * controller has observed the current template, its pods are updated on every node that should run one, and they
 * are ready there (each pod is Ready only once both images are pulled and started).
 *
 * @param desired {@code desiredNumberScheduled}: the nodes that should run a pod
 * @param updated {@code updatedNumberScheduled}: nodes running a pod of the current template
 * @param ready   {@code numberReady}
 */
public record PrePullStatus(boolean done, int desired, int updated, int ready, String message) {
}
