/** The control plane's own health: whether its supervision and rollout loops still make progress. */
package dev.deployguard.server.health;
