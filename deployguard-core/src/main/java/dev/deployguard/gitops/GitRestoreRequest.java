package dev.deployguard.gitops;

import dev.deployguard.spec.GitOpsSpec;
import java.util.Objects;

/**
 * A restore commit to write: the app's directory set back to its tree at the last good commit.
 *
 * @param app   the app (named in the commit message and the rollback branch)
 * @param git   the repository, branch, path and push policy
 * @param bad   what the rolled-back revision looks like in git; the bad commit is the one on the branch's first-parent
 *              line that brought it in
 * @param good  what the revision now running looks like in git; null: the commit just before the bad one
 * @param actor who rolled back (named in the commit message)
 */
public record GitRestoreRequest(String app, GitOpsSpec.Git git, Deployed bad, Deployed good, String actor) {
    public GitRestoreRequest {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(git, "git");
        Objects.requireNonNull(bad, "bad");
        Objects.requireNonNull(actor, "actor");
    }
}
