package dev.deployguard.kubernetes.gitops;

import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.gitops.GitRestoreRequest;
import dev.deployguard.gitops.GitRestoreResult;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.spec.GitOpsSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link GitRestorer} port's {@code headDeploys} answer, set by the test, with every question recorded. The JGit
 * implementation's answer against real repositories is tested in deployguard-gitops ({@code JGitRestorerIT}); here
 * only what the Argo CD / Flux re-arming does with the answer is under test.
 */
final class GitHeadAnswer implements GitRestorer {
    static final GitOpsSpec.Git WHERE = new GitOpsSpec.Git("file:///srv/deploy.git", "main", "apps/shop",
            GitOpsSpec.Push.MAIN, null);
    final List<Deployed> asked = new ArrayList<>();
    boolean deploys;
    GitRestoreException failure;

    @Override
    public GitRestoreResult restore(GitRestoreRequest request) {
        throw new AssertionError("re-arming automation must not write to git");
    }

    @Override
    public boolean headDeploys(GitOpsSpec.Git git, Deployed bad) {
        asked.add(bad);
        if (failure != null) {
            throw failure;
        }
        return deploys;
    }
}
