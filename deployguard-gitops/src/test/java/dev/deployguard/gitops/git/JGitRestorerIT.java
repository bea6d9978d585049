package dev.deployguard.gitops.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.gitops.GitRestoreRequest;
import dev.deployguard.gitops.GitRestoreResult;
import dev.deployguard.spec.GitOpsSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore commit against bare repositories made by the Debian git binary, which also checks the result:
 * {@code git diff --quiet GOOD HEAD -- path} must be empty, files outside the path as they were, across a PR merged
 * with {@code --no-ff}. (JGit's own revert cannot revert that merge; {@code git revert -m 1} could, for one commit.)
 */
class JGitRestorerIT {
    private static final String V1 = "image: registry.example/shop:v1\n";
    private static final String V2 = "image: registry.example/shop:v2\n";

    @TempDir
    Path tmp;
    GitFixture fx;
    Path bare;
    Path work;
    Path scratch;
    /** The history: good (c2, main before the merge), the merge commit bringing v2 in, and head after it. */
    String c1;
    String c2;
    String merge;
    String head;

    @BeforeEach
    void history() throws IOException {
        fx = new GitFixture(tmp);
        bare = fx.bare("deploy");
        work = fx.clone(bare, "dev");
        c1 = fx.commit(work, "shop v1", "apps/shop/deployment.yaml", V1, "apps/shop/service.yaml", "port: 80\n",
                "apps/other/deployment.yaml", "image: other:v1\n", "README.md", "deploy repo\n");
        fx.git(work, "checkout", "-q", "-b", "pr-v2");
        fx.commit(work, "shop v2 with a new file", "apps/shop/deployment.yaml", V2, "apps/shop/hpa.yaml",
                "maxReplicas: 5\n");
        fx.git(work, "checkout", "-q", "main");
        c2 = fx.commit(work, "other v2", "apps/other/deployment.yaml", "image: other:v2\n");
        fx.git(work, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from pr-v2", "pr-v2");
        merge = fx.git(work, "rev-parse", "HEAD").strip();
        head = fx.commit(work, "other v3 and docs", "apps/other/deployment.yaml", "image: other:v3\n", "README.md",
                "deploy repo, v3\n");
        fx.git(work, "push", "-q", "origin", "main");
        scratch = tmp.resolve("scratch");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private JGitRestorer restorer() {
        return new JGitRestorer(Map.of(), scratch, Duration.ofSeconds(10));
    }

    private GitOpsSpec.Git git(GitOpsSpec.Push push) {
        return new GitOpsSpec.Git(bare.toUri().toString(), "main", "apps/shop", push, null);
    }

    private GitRestoreRequest v2RolledBack(GitOpsSpec.Push push) {
        return new GitRestoreRequest("shop", git(push), Deployed.Mentions.image("registry.example/shop:v2"), null,
                "alice");
    }

    private String remoteHead(String ref) throws IOException {
        return fx.git(bare, "rev-parse", ref).strip();
    }

    @Test
    void restoresThePathAcrossAMergeCommitAndLeavesEverythingElse() throws IOException {
        var result = (GitRestoreResult.Restored) restorer().restore(v2RolledBack(GitOpsSpec.Push.MAIN));

        String restored = remoteHead("main");
        assertThat(restored).isEqualTo(result.sha());
        assertThat(result.good()).isEqualTo(c2);
        assertThat(result.bad()).isEqualTo(merge);
        assertThat(result.rebuilt()).isFalse();
        // The oracle: real git sees the path equal to the good commit's and nothing else changed since the bad head.
        assertThat(fx.exitOf(bare, "diff", "--quiet", c2, restored, "--", "apps/shop")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", head, restored, "--", "apps/other", "README.md")).isZero();
        assertThat(fx.git(bare, "diff", "--name-status", head, restored))
                .isEqualTo("M\tapps/shop/deployment.yaml\nD\tapps/shop/hpa.yaml\n");
        assertThat(fx.git(bare, "rev-parse", restored + "^@").strip()).isEqualTo(head);
        assertThat(fx.git(bare, "show", restored + ":apps/shop/deployment.yaml")).isEqualTo(V1);
        String message = fx.git(bare, "log", "-1", "--format=%B", restored);
        assertThat(message).contains(c2).contains(merge).contains("shop").contains("DeployGuard-App: shop")
                .contains("DeployGuard-Actor: alice");
        fx.git(bare, "fsck", "--strict", "--no-dangling");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aSecondRestoreIsANoOpAndSaysSo() {
        restorer().restore(v2RolledBack(GitOpsSpec.Push.MAIN));

        var again = restorer().restore(v2RolledBack(GitOpsSpec.Push.MAIN));

        assertThat(again).isInstanceOf(GitRestoreResult.NothingToDo.class);
        assertThat(again.message()).contains("no longer deploys registry.example/shop:v2").contains("no restore"
                + " commit needed");
        assertThat(restorer().headDeploys(git(GitOpsSpec.Push.MAIN), Deployed.Mentions.image(
                "registry.example/shop:v2"))).isFalse();
    }

    @Test
    void aPathThatAlreadyEqualsTheGoodTreeIsANoOp() throws IOException {
        // Argo CD's way of naming revisions: the synced commit is bad, and "good" is a commit with the same tree.
        var request = new GitRestoreRequest("shop", git(GitOpsSpec.Push.MAIN), new Deployed.Commit(merge),
                new Deployed.Commit(head), "bob");

        var result = restorer().restore(request);

        assertThat(result).isInstanceOf(GitRestoreResult.NothingToDo.class);
        assertThat(result.message()).contains("already equals its tree at " + head.substring(0, 7));
        assertThat(remoteHead("main")).isEqualTo(head);
    }

    @Test
    void commitMarkersNameTheGoodAndBadRevisionsAsArgoRecordsThem() throws IOException {
        var request = new GitRestoreRequest("shop", git(GitOpsSpec.Push.MAIN), new Deployed.Commit(merge),
                new Deployed.Commit(c1.substring(0, 10)), "bob");
        assertThat(restorer().headDeploys(request.git(), request.bad())).isTrue();

        var result = (GitRestoreResult.Restored) restorer().restore(request);

        assertThat(result.good()).isEqualTo(c1);
        assertThat(result.bad()).isEqualTo(merge);
        assertThat(fx.exitOf(bare, "diff", "--quiet", c1, "main", "--", "apps/shop")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", head, "main", "--", "apps/other", "README.md")).isZero();
        assertThat(restorer().headDeploys(request.git(), request.bad())).isFalse();
    }

    @Test
    void branchPolicyPushesARollbackBranchAndLeavesMainAlone() throws IOException {
        var result = (GitRestoreResult.Restored) restorer().restore(v2RolledBack(GitOpsSpec.Push.BRANCH));

        String branch = "deployguard/rollback-shop-" + merge.substring(0, 7);
        assertThat(result.ref()).isEqualTo("refs/heads/" + branch);
        assertThat(remoteHead("main")).isEqualTo(head);
        assertThat(remoteHead(branch)).isEqualTo(result.sha());
        assertThat(fx.exitOf(bare, "diff", "--quiet", c2, branch, "--", "apps/shop")).isZero();

        var again = (GitRestoreResult.Restored) restorer().restore(v2RolledBack(GitOpsSpec.Push.BRANCH));
        assertThat(again.sha()).isEqualTo(result.sha());
        assertThat(again.message()).contains("already restores apps/shop");
    }

    @Test
    void aPushRejectedBecauseMainMovedIsRebuiltOnTheNewHead() throws IOException {
        Path colleague = fx.clone(bare, "colleague");
        String[] theirs = new String[1];
        var restorer = restorer().beforePush(attempt -> {
            if (attempt == 1) {
                theirs[0] = fx.commit(colleague, "meanwhile: other v4", "apps/other/deployment.yaml",
                        "image: other:v4\n");
                fx.git(colleague, "push", "-q", "origin", "main");
            }
        });

        var result = (GitRestoreResult.Restored) restorer.restore(v2RolledBack(GitOpsSpec.Push.MAIN));

        assertThat(result.rebuilt()).isTrue();
        assertThat(result.message()).contains("rebuilt once");
        assertThat(fx.git(bare, "rev-parse", "main^@").strip()).isEqualTo(theirs[0]);
        assertThat(fx.exitOf(bare, "diff", "--quiet", c2, "main", "--", "apps/shop")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", theirs[0], "main", "--", "apps/other", "README.md")).isZero();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aPushRejectedTwiceIsAClearErrorAndNothingIsPushed() throws IOException {
        Path colleague = fx.clone(bare, "colleague");
        var restorer = restorer().beforePush(attempt -> {
            fx.commit(colleague, "meanwhile " + attempt, "apps/other/notes.txt", "note " + attempt + "\n");
            fx.git(colleague, "push", "-q", "origin", "main");
        });

        assertThatThrownBy(() -> restorer.restore(v2RolledBack(GitOpsSpec.Push.MAIN)))
                .isInstanceOfSatisfying(GitRestoreException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("refused the restore commit on main")
                .hasMessageContaining("twice").hasMessageContaining("nothing was pushed");
        String theirs = fx.git(colleague, "rev-parse", "HEAD").strip();
        assertThat(remoteHead("main")).isEqualTo(theirs);
        assertThat(fx.git(bare, "log", "--format=%an", "main")).doesNotContain("DeployGuard");
        assertThat(fx.git(bare, "for-each-ref", "--format=%(refname)")).isEqualTo("refs/heads/main\n");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void noGoodCommitInTheHistoryIsRefusedClearly() {
        var request = new GitRestoreRequest("shop", git(GitOpsSpec.Push.MAIN),
                Deployed.Mentions.image("deploy repo"), null, "bob");
        // README.md is outside the path: the path never mentions it, so head does not deploy it.
        assertThat(restorer().restore(request)).isInstanceOf(GitRestoreResult.NothingToDo.class);

        var everyCommit = new GitRestoreRequest("shop", new GitOpsSpec.Git(bare.toUri().toString(), "main",
                "apps/shop/service.yaml", GitOpsSpec.Push.MAIN, null), new Deployed.Mentions(java.util.List.of(
                "port: 80")), null, "bob");
        assertThatThrownBy(() -> restorer().restore(everyCommit))
                .isInstanceOfSatisfying(GitRestoreException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("every commit of main deploys port: 80")
                .hasMessageContaining("no good commit");
    }

    @Test
    void aMissingBranchIsNamed() {
        var request = new GitRestoreRequest("shop", new GitOpsSpec.Git(bare.toUri().toString(), "production",
                "apps/shop", GitOpsSpec.Push.MAIN, null), Deployed.Mentions.image("registry.example/shop:v2"), null,
                "bob");

        assertThatThrownBy(() -> restorer().restore(request)).isInstanceOf(GitRestoreException.class)
                .hasMessageContaining("branch production does not exist in " + bare.toUri());
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void overGitDaemonPushWorksAndAStoppedDaemonIsRetryable() throws Exception {
        int port = GitFixture.freePort();
        fx.startDaemon(port);
        var git = new GitOpsSpec.Git(fx.daemonUrl("deploy"), "main", "apps/shop", GitOpsSpec.Push.MAIN, null);
        var bad = Deployed.Mentions.image("registry.example/shop:v2");
        assertThat(restorer().headDeploys(git, bad)).isTrue();

        fx.stopDaemon();
        assertThatThrownBy(() -> restorer().restore(new GitRestoreRequest("shop", git, bad, null, "bob")))
                .isInstanceOfSatisfying(GitRestoreException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("cannot fetch main from " + fx.daemonUrl("deploy"));
        assertThat(leftovers()).isEmpty();

        fx.startDaemon(port);
        var result = (GitRestoreResult.Restored) restorer().restore(new GitRestoreRequest("shop", git, bad, null,
                "bob"));
        assertThat(remoteHead("main")).isEqualTo(result.sha());
        assertThat(fx.exitOf(bare, "diff", "--quiet", c2, "main", "--", "apps/shop")).isZero();
    }

    @Test
    void overHttpsStyleAuthTheTokenFromTheNamedVariableIsSentAndNeverShown() throws Exception {
        String token = "s3cr3t-token-4711";
        try (var http = new GitHttpBackend(bare.getParent(), GitCredentials.TOKEN_USER, token)) {
            var git = new GitOpsSpec.Git(http.url("deploy"), "main", "apps/shop", GitOpsSpec.Push.MAIN, "GIT_TOKEN");
            var bad = Deployed.Mentions.image("registry.example/shop:v2");

            var noSecret = new JGitRestorer(Map.of(), scratch, Duration.ofSeconds(10));
            assertThatThrownBy(() -> noSecret.restore(new GitRestoreRequest("shop", git, bad, null, "bob")))
                    .isInstanceOf(GitRestoreException.class)
                    .hasMessageContaining("GIT_TOKEN named in gitops.git.credentialsEnv is not set");

            var wrong = new JGitRestorer(Map.of("GIT_TOKEN", "wrong-" + token), scratch, Duration.ofSeconds(10));
            assertThatThrownBy(() -> wrong.restore(new GitRestoreRequest("shop", git, bad, null, "bob")))
                    .isInstanceOfSatisfying(GitRestoreException.class, e -> {
                        assertThat(e.retryable()).isTrue();
                        assertThat(e.getMessage()).contains(http.url("deploy")).doesNotContain(token);
                    });
            assertThat(remoteHead("main")).isEqualTo(head);

            var right = new JGitRestorer(Map.of("GIT_TOKEN", token), scratch, Duration.ofSeconds(10));
            var result = (GitRestoreResult.Restored) right.restore(new GitRestoreRequest("shop", git, bad, null,
                    "bob"));

            assertThat(remoteHead("main")).isEqualTo(result.sha());
            assertThat(fx.exitOf(bare, "diff", "--quiet", c2, "main", "--", "apps/shop")).isZero();
            assertThat(result.toString()).doesNotContain(token);
            assertThat(http.authorizations()).contains("Basic " + java.util.Base64.getEncoder().encodeToString(
                    (GitCredentials.TOKEN_USER + ":" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(leftovers()).isEmpty();
        }
    }

    @Test
    void overSshTheKeyOfTheRunningAgentLogsIn() throws Exception {
        // A home with known_hosts but no key files: only the ssh-agent can log in.
        Path home = Files.createDirectories(tmp.resolve("ssh-home"));
        Path key = tmp.resolve("agent-key");
        fx.run(tmp, List.of(), "ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "deployguard-test",
                "-f", key.toString());
        Path socket = tmp.resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile()).start();
        try {
            for (int i = 0; i < 200 && !Files.exists(socket); i++) {
                Thread.sleep(50); // bounded wait for the agent's socket (at most 10 s)
            }
            assertThat(socket).exists();
            fx.run(tmp, List.of("SSH_AUTH_SOCK=" + socket), "ssh-add", "-q", key.toString());
            PublicKey allowed = AuthorizedKeyEntry.readAuthorizedKeys(Path.of(key + ".pub")).get(0)
                    .resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
            try (var ssh = new GitSshServer(bare.getParent(), allowed)) {
                Files.createDirectories(home.resolve(".ssh"));
                Files.writeString(home.resolve(".ssh/known_hosts"), ssh.knownHostsLine() + "\n");
                var git = new GitOpsSpec.Git("ssh://git@127.0.0.1:" + ssh.port() + "/deploy.git", "main",
                        "apps/shop", GitOpsSpec.Push.BRANCH, null);
                var bad = Deployed.Mentions.image("registry.example/shop:v2");

                var noAgent = new JGitRestorer(Map.of(), scratch, Duration.ofSeconds(10), home);
                assertThatThrownBy(() -> noAgent.restore(new GitRestoreRequest("shop", git, bad, null, "bob")))
                        .isInstanceOfSatisfying(GitRestoreException.class, e -> assertThat(e.retryable()).isTrue());

                var withAgent = new JGitRestorer(Map.of("SSH_AUTH_SOCK", socket.toString()), scratch,
                        Duration.ofSeconds(10), home);
                var result = (GitRestoreResult.Restored) withAgent.restore(new GitRestoreRequest("shop", git, bad,
                        null, "bob"));

                assertThat(remoteHead(result.ref())).isEqualTo(result.sha());
                assertThat(fx.exitOf(bare, "diff", "--quiet", c2, result.sha(), "--", "apps/shop")).isZero();
                assertThat(remoteHead("main")).isEqualTo(head);
            }
        } finally {
            agent.destroy();
            agent.waitFor();
        }
    }

    private java.util.List<Path> leftovers() {
        if (!Files.exists(scratch)) {
            return java.util.List.of();
        }
        try (Stream<Path> s = Files.list(scratch)) {
            return s.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
