/**
 * Namespace objects in a Velero-format tarball, and their restore in dependency order.
 *
 * <p>What we rely on from Velero (vmware-tanzu/velero, read 2026-12-07):
 * <ul>
 *   <li>{@code site/content/docs/main/output-file-format.md} (commit 6bdd4ac1): a gzip-compressed tar with
 *       {@code resources/<resource>[.<group>]/namespaces/<ns>/<name>.json}, cluster-scoped objects under
 *       {@code cluster/}, and in format 1.1 a {@code <version>-preferredversion/} copy beside the classic layout;</li>
 *   <li>{@code pkg/backup/backup.go} {@code writeBackupVersion}: {@code metadata/version} holds the format version
 *       ({@code 1.1.0}) and a newline;</li>
 *   <li>{@code pkg/restore/restore.go} {@code resetMetadataAndStatus}: a restored object loses {@code generateName,
 *       selfLink, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp,
 *       deletionGracePeriodSeconds, ownerReferences} and {@code status};</li>
 *   <li>{@code pkg/controller/restore_controller.go} {@code nonRestorableResources}: nodes, events,
 *       events.events.k8s.io, backups/restores/resticrepositories/backuprepositories.velero.io, csinodes and
 *       volumeattachments (storage.k8s.io) are never restored;</li>
 *   <li>{@code site/content/docs/main/restore-reference.md} (commit 05960acc): existing-resource policy
 *       {@code none} (skip) or {@code update}, the {@code velero.io/backup-name} and {@code velero.io/restore-name}
 *       labels, CRDs first and waited for, then namespaces.</li>
 * </ul>
 * Where we go further than Velero's default priorities: after namespaces come RBAC, then configuration, then the
 * Services and Deployments that back admission webhooks, then the webhook configurations, then everything else, so
 * no object reaches the API server before the webhook that must admit it can answer.
 */
package dev.deployguard.kubernetes.backup;
