/**
 * Helm releases in Helm's own storage format: release records read and written as Secrets exactly as helm 3 does,
 * history as {@code helm history} shows it, rollback (which helm-java lacks), atomic upgrades, and the chart check.
 */
package dev.deployguard.kubernetes.helm;
