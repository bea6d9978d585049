/**
 * Deployments as kubectl handles them: rollout history from ReplicaSets, {@code set image} with a change-cause,
 * {@code rollout undo}, rollout status and waiting for it. Uses fabric8 and core.
 */
package dev.deployguard.kubernetes.deployment;
