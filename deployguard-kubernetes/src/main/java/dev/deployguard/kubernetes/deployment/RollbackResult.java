package dev.deployguard.kubernetes.deployment;

/**
 * What a rollback did.
 *
 * @param skipped      true when the Deployment already ran the target's template (nothing was written)
 * @param fromRevision the revision serving before (the Deployment's revision annotation; 0 when absent)
 * @param toRevision   the revision whose template was copied back
 * @param changeCause  the change-cause recorded on the Deployment (null when skipped)
 * @param attempts     API update attempts (more than 1 after a 409 conflict)
 * @param message      one line for people
 */
public record RollbackResult(boolean skipped, long fromRevision, long toRevision, String changeCause, int attempts,
                             String message) {
}
