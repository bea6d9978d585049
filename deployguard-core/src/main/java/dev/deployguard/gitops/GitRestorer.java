package dev.deployguard.gitops;

import dev.deployguard.spec.GitOpsSpec;

/**
 * Makes git say what actually runs after a rollback. Implementations never log or record credentials, and leave
 * nothing behind when they fail (no partial push, no local clone).
 */
public interface GitRestorer {

    /**
     * Writes one commit on top of the branch's head that sets the app's path back to its tree at the last good commit
     * (files added since are removed, files outside the path untouched) and pushes it by the policy; a rejected push
     * is rebuilt once on the new head.
     *
     * @throws GitRestoreException when nothing could be pushed; {@link GitRestoreException#retryable()} says whether
     *                             trying later can help
     */
    GitRestoreResult restore(GitRestoreRequest request);

    /**
     * True while the head of the app's branch still deploys {@code bad} under the path: GitOps automation must stay
     * off until this is false, or it would deploy the bad revision again.
     *
     * @throws GitRestoreException when git cannot be read
     */
    boolean headDeploys(GitOpsSpec.Git git, Deployed bad);
}
