/**
 * The rollout targets of the one-host platform ({@link dev.deployguard.server.deploy.local.LocalCanaryTarget},
 * {@link dev.deployguard.server.deploy.local.LocalBlueGreenTarget}): weights as route tables at the app's router,
 * promotion and rollback as switches to warm instances. May use {@code server.deploy} (router processes, the
 * instances' lifecycle, the event log), {@code server.metrics} and the local platform module; nothing in
 * {@code server.deploy} uses this package (the control plane's wiring chooses the target).
 */
package dev.deployguard.server.deploy.local;
