/**
 * The rollout state machine: persisted {@link dev.deployguard.rollout.Rollout} state, strategies and steps as the
 * spec gives them, and {@link dev.deployguard.rollout.RolloutEngine}, a pure function to a {@link
 * dev.deployguard.rollout.Decision} of actions that adapters carry out. No clock and no I/O here; it may use core's
 * spec and error packages.
 */
package dev.deployguard.rollout;
