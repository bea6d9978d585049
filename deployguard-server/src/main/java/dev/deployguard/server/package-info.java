/**
 * The control plane of one state directory: {@link dev.deployguard.server.ControlPlane} is the composition root (it
 * wires the store, the platforms, the deployer, the runners and the API by constructor injection, and exposes them);
 * {@code LeaderWork} decides when this replica acts (alone, or while it holds the leader lease), {@code Adoption}
 * takes over what a previous control plane left running, and {@code Tickers} runs the supervision, rollout and GitOps
 * loops and watches their health. May use every module; nothing but the CLI uses it.
 */
package dev.deployguard.server;
