/** The Kubernetes platform: Deployments, Helm releases, traffic splitting, cluster checks, leader election. */
package dev.deployguard.kubernetes;
