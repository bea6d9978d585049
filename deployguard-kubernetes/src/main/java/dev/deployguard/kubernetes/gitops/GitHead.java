package dev.deployguard.kubernetes.gitops;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.spec.GitOpsSpec;

/**
 * The second opinion before automation is re-armed: git itself (the app's {@code gitops.git} path, through the
 * {@link GitRestorer} that writes restore commits) rather than the controller's view of it. The controller only
 * knows that the branch moved; a commit that touched another app moves it too, while this app's path still deploys
 * the bad revision.
 */
final class GitHead {
    private GitHead() {
    }

    /**
     * Why automation must stay off: the path at git's head still has its tree at the {@code revision} paused from (a
     * commit id, or Flux's {@code main@sha1:<id>} / {@code main/<id>}), or git cannot be read; null when git agrees
     * it moved on, or when {@code revision} names no commit.
     */
    static String holds(GitRestorer git, GitOpsSpec.Git where, String revision) {
        String sha = revision == null ? null : revision.replaceFirst("^.*(@sha1:|/)", "");
        if (sha == null || !sha.matches("[0-9a-fA-F]{7,64}")) {
            return null;
        }
        try {
            return git.headDeploys(where, new Deployed.Commit(sha)) ? where.path() + " on " + where.branch()
                    + " still has its tree at " + sha + ", the revision paused from; fix git first" : null;
        } catch (DeployGuardException e) {
            return "git cannot be read to check " + where.path() + " on " + where.branch() + ": " + e.getMessage();
        }
    }
}
