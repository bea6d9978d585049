/**
 * The rollback image on every node (issue 15 item 6): the pre-pull DaemonSet of an app ({@link
 * dev.deployguard.kubernetes.prepull.PrePullDaemonSet}), which nodes may run the app's pods ({@link
 * dev.deployguard.kubernetes.prepull.NodeEligibility}), the wait for the DaemonSet ({@link
 * dev.deployguard.kubernetes.prepull.PrePull}); the {@code cluster.rollback-image} check that counts the nodes
 * holding the rollback image lives with the other cluster checks. fabric8 only; no control-plane state.
 */
package dev.deployguard.kubernetes.prepull;
