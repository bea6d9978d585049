package dev.deployguard.gitops.git;

import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.gitops.GitRestoreRequest;
import dev.deployguard.gitops.GitRestoreResult;
import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.spec.GitOpsSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RemoteRefUpdate;

/**
 * {@link GitRestorer} with JGit. Each call fetches the branch into a fresh bare repository under the work directory,
 * plans and builds the restore commit there ({@link RestorePlan}), pushes it without force and only if the remote
 * ref is still what was fetched, and deletes the repository: nothing is left behind whatever happens. A push refused
 * because the branch moved is rebuilt once on the new head.
 */
public final class JGitRestorer implements GitRestorer {
    /** Called before each push with the attempt number (1 or 2): tests let someone else push in between. */
    interface BeforePush {
        void run(int attempt) throws Exception;
    }

    private final Map<String, String> env;
    private final Path workDir;
    private final Duration timeout;
    private final SshSessions ssh;
    private BeforePush beforePush = attempt -> { };

    /**
     * @param env     where {@code credentialsEnv} is looked up (the control plane's environment)
     * @param workDir where the short-lived repositories are made (created when missing)
     * @param timeout for each connection to the remote
     */
    public JGitRestorer(Map<String, String> env, Path workDir, Duration timeout) {
        this(env, workDir, timeout, Path.of(System.getProperty("user.home")));
    }

    /** As above, with SSH's keys, config and known hosts read from {@code home}/.ssh. */
    public JGitRestorer(Map<String, String> env, Path workDir, Duration timeout, Path home) {
        this.env = Map.copyOf(env);
        this.workDir = workDir;
        this.timeout = timeout;
        this.ssh = new SshSessions(home, env.get("SSH_AUTH_SOCK"));
    }

    /** With the process environment, repositories under the system's temporary directory and a 30 s timeout. */
    public static JGitRestorer standard() {
        return new JGitRestorer(System.getenv(), Path.of(System.getProperty("java.io.tmpdir"), "deployguard-gitops"),
                Duration.ofSeconds(30));
    }

    JGitRestorer beforePush(BeforePush hook) {
        this.beforePush = hook;
        return this;
    }

    @Override
    public GitRestoreResult restore(GitRestoreRequest request) {
        return inScratch(request.git(), (repo, remote) -> {
            GitOpsSpec.Git git = request.git();
            String main = "refs/heads/" + git.branch();
            for (int attempt = 1; ; attempt++) {
                ObjectId head = remote.fetch(main);
                if (head == null) {
                    throw GitRestoreException.impossible("branch " + git.branch() + " does not exist in " + git.url());
                }
                RestorePlan.Outcome outcome;
                try (RevWalk walk = new RevWalk(repo)) {
                    outcome = new RestorePlan(repo, walk, request).plan(walk.parseCommit(head));
                }
                if (outcome instanceof RestorePlan.Nothing n) {
                    return new GitRestoreResult.NothingToDo(head.name(), n.message());
                }
                var commit = (RestorePlan.Commit) outcome;
                String ref = git.push() == GitOpsSpec.Push.MAIN ? main
                        : "refs/heads/deployguard/rollback-" + request.app() + "-" + commit.bad().abbreviate(7).name();
                if (git.push() == GitOpsSpec.Push.BRANCH && remote.fetch(ref) != null) {
                    return existingBranch(repo, remote, request, commit, ref);
                }
                try {
                    beforePush.run(attempt);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                StringBuilder why = new StringBuilder();
                ObjectId expected = git.push() == GitOpsSpec.Push.MAIN ? head : ObjectId.zeroId();
                RemoteRefUpdate.Status status = remote.push(commit.commit(), ref, expected, why);
                if (status == RemoteRefUpdate.Status.OK) {
                    return restored(commit, ref, attempt > 1, git);
                }
                if (status == RemoteRefUpdate.Status.UP_TO_DATE) {
                    // The same commit (same tree, parent, message and second) was pushed already.
                    return new GitRestoreResult.Restored(commit.commit().name(), ref, commit.good().name(),
                            commit.bad().name(), false, shortRef(ref) + " of " + git.url() + " already has restore"
                            + " commit " + commit.commit().abbreviate(7).name() + "; nothing pushed");
                }
                if (git.push() == GitOpsSpec.Push.BRANCH && status == RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED) {
                    return existingBranch(repo, remote, request, commit, ref);
                }
                boolean moved = status == RemoteRefUpdate.Status.REJECTED_NONFASTFORWARD
                        || status == RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED
                        || status == RemoteRefUpdate.Status.REJECTED_OTHER_REASON;
                if (!moved || attempt == 2) {
                    throw GitRestoreException.unavailable("git refused the restore commit on " + shortRef(ref)
                            + " of " + git.url() + (attempt == 2 ? " twice (the branch moved again after it was"
                            + " rebuilt on the new head)" : "") + ": " + status
                            + (why.length() == 0 ? "" : " (" + why + ")") + "; nothing was pushed");
                }
            }
        });
    }

    @Override
    public boolean headDeploys(GitOpsSpec.Git git, Deployed bad) {
        return inScratch(git, (repo, remote) -> {
            ObjectId head = remote.fetch("refs/heads/" + git.branch());
            if (head == null) {
                throw GitRestoreException.impossible("branch " + git.branch() + " does not exist in " + git.url());
            }
            try (RevWalk walk = new RevWalk(repo)) {
                var request = new GitRestoreRequest("-", git, bad, null, "-");
                return new RestorePlan(repo, walk, request).deploys(walk.parseCommit(head), bad);
            }
        });
    }

    private static GitRestoreResult restored(RestorePlan.Commit c, String ref, boolean rebuilt, GitOpsSpec.Git git) {
        return new GitRestoreResult.Restored(c.commit().name(), ref, c.good().name(), c.bad().name(), rebuilt,
                "restore commit " + c.commit().abbreviate(7).name() + " pushed to " + shortRef(ref) + " of "
                        + git.url() + ": " + git.path() + " back to its tree at " + c.good().abbreviate(7).name()
                        + " (undoing " + c.bad().abbreviate(7).name() + ")"
                        + (rebuilt ? "; rebuilt once on the branch's new head after the first push was refused" : ""));
    }

    /** The rollback branch exists already: done when it restores the same tree, else a person must look. */
    private static GitRestoreResult existingBranch(Repository repo, GitRemote remote, GitRestoreRequest request,
                                                   RestorePlan.Commit ours, String ref) throws IOException {
        ObjectId theirs = remote.fetch(ref);
        try (RevWalk walk = new RevWalk(repo)) {
            if (theirs != null) {
                RevCommit existing = walk.parseCommit(theirs);
                RevCommit built = walk.parseCommit(ours.commit());
                if (new PathTrees(repo, request.git().path()).same(existing, built)) {
                    return new GitRestoreResult.Restored(theirs.name(), ref, ours.good().name(), ours.bad().name(),
                            false, "branch " + shortRef(ref) + " of " + request.git().url() + " already restores "
                            + request.git().path() + " to " + ours.good().abbreviate(7).name() + " (commit "
                            + theirs.abbreviate(7).name() + "); nothing pushed");
                }
            }
        }
        throw GitRestoreException.impossible("branch " + shortRef(ref) + " already exists in " + request.git().url()
                + " with another tree of " + request.git().path() + "; delete or merge it, then roll back again");
    }

    private static String shortRef(String ref) {
        return ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : ref;
    }

    /** Work against {@code git} in a fresh bare repository, deleted afterwards. */
    private <T> T inScratch(GitOpsSpec.Git git, Work<T> work) {
        GitCredentials credentials = GitCredentials.of(git, env);
        Path dir;
        try {
            Files.createDirectories(workDir);
            dir = Files.createTempDirectory(workDir, "restore-");
        } catch (IOException e) {
            throw GitRestoreException.unavailable("cannot make a scratch repository under " + workDir + ": "
                    + e.getMessage());
        }
        try (Repository repo = new FileRepository(dir.toFile())) {
            repo.create(true);
            return work.run(repo, new GitRemote(repo, git, credentials, timeout, ssh));
        } catch (IOException e) {
            throw GitRestoreException.unavailable("git failed while restoring " + git.path() + " of " + git.url()
                    + ": " + credentials.redact(e.getMessage()));
        } catch (GitRestoreException e) {
            throw e;
        } catch (RuntimeException e) {
            // JGit's unchecked failures (a corrupt pack, an internal error): retryable, described without a secret.
            throw GitRestoreException.unavailable("git failed while restoring " + git.path() + " of " + git.url()
                    + ": " + e.getClass().getSimpleName() + ": " + credentials.redact(String.valueOf(e.getMessage())));
        } finally {
            delete(dir);
        }
    }

    private interface Work<T> {
        T run(Repository repo, GitRemote remote) throws IOException;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Left for the next start to find under the work directory; nothing in it was pushed.
        }
    }
}
