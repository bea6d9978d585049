/**
 * The control plane's commands for Kubernetes apps (Deployments and Helm releases): deploy, rollback, status,
 * history, and the cluster's side of canary and blue/green rollouts. Uses deployguard-kubernetes (fabric8), the
 * supply-chain image gate, core and its store port.
 */
package dev.deployguard.server.kubernetes;
