/**
 * Progressive delivery on a cluster: canary and blue/green Deployments and Helm releases, carrying out the rollout
 * engine's actions there. Uses this module's deployment, traffic and helm packages, fabric8 and core; never the
 * server.
 */
package dev.deployguard.kubernetes.progressive;
