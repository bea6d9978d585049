/**
 * Helm releases in Helm's own storage format: release records read and written as Secrets exactly as helm 3 does,
 * history as {@code helm history} shows it, rollback (which helm-java lacks) with helm's hooks and three-way merge,
 * upgrades by Helm's own library (helm-java) or DeployGuard's writer, and the chart check.
 */
package dev.deployguard.kubernetes.helm;
