/**
 * The rollback drill: baseline, candidate, rollback, and a field-by-field comparison of what users and operators
 * observe before and after, on the local platform and on Kubernetes. Uses the server's deploy and kubernetes
 * packages, deployguard-local, deployguard-kubernetes and core.
 */
package dev.deployguard.server.drill;
