/**
 * Deploys, rollbacks, progressive rollouts and supervision of the local platform: the deployer, the rollout runner
 * that carries out the engine's decisions, the supervisor, the router processes and the event log. Uses core and
 * its store port, deployguard-local, the supply-chain image gate and the server's check and metrics packages (and
 * its kubernetes package, until the RolloutTarget seam removes that cycle).
 */
package dev.deployguard.server.deploy;
