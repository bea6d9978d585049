/**
 * The control plane of one state directory: {@link dev.deployguard.server.ControlPlane} wires the store, the
 * platforms, the deployer, the runners and the API, and runs the tickers. May use every module; nothing but the CLI
 * uses it.
 */
package dev.deployguard.server;
