package dev.deployguard.gitops.git;

import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.gitops.GitRestoreRequest;
import java.io.IOException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Finds the bad and the good commit on the branch's first-parent line (the main line: a PR merged with
 * {@code --no-ff} is one step on it) and builds the restore commit on top of the head.
 */
final class RestorePlan {
    /** How far back the first-parent line is searched for the good commit. */
    static final int MAX_DEPTH = 10_000;

    /** What a plan decided. */
    sealed interface Outcome {
    }

    /** Nothing to write; {@code message} says why. */
    record Nothing(String message) implements Outcome {
    }

    /** The restore commit, inserted into the local repository but not pushed. */
    record Commit(ObjectId commit, RevCommit good, RevCommit bad) implements Outcome {
    }

    private final Repository repo;
    private final RevWalk walk;
    private final GitRestoreRequest request;
    private final PathTrees trees;

    RestorePlan(Repository repo, RevWalk walk, GitRestoreRequest request) {
        this.repo = repo;
        this.walk = walk;
        this.request = request;
        this.trees = new PathTrees(repo, request.git().path());
    }

    /** True when {@code commit}'s path deploys what {@code marker} describes. */
    boolean deploys(RevCommit commit, Deployed marker) throws IOException {
        if (marker instanceof Deployed.Commit c) {
            return trees.same(commit, resolve(c.sha()));
        }
        return trees.mentions(commit, ((Deployed.Mentions) marker).needles());
    }

    Outcome plan(RevCommit head) throws IOException {
        String path = request.git().path();
        String branch = request.git().branch();
        if (!deploys(head, request.bad())) {
            return new Nothing("git's " + branch + " (" + head.abbreviate(7).name() + ") no longer deploys "
                    + request.bad().describe() + " under " + path + "; no restore commit needed");
        }
        RevCommit bad = head;
        RevCommit before = parent(head);
        int depth = 0;
        while (before != null && deploys(before, request.bad())) {
            if (++depth > MAX_DEPTH) {
                throw GitRestoreException.impossible("the last " + MAX_DEPTH + " commits of " + branch + " all"
                        + " deploy " + request.bad().describe() + " under " + path + "; no good commit found");
            }
            bad = before;
            before = parent(before);
        }
        if (before == null) {
            throw GitRestoreException.impossible("every commit of " + branch + " deploys " + request.bad().describe()
                    + " under " + path + " (since its first commit " + bad.abbreviate(7).name() + "); there is no"
                    + " good commit to restore the path from");
        }
        if (request.bad() instanceof Deployed.Commit c) {
            bad = resolve(c.sha());
        }
        RevCommit good = good(before);
        ObjectId tree = trees.restoredTree(head.getTree(), good.getTree());
        if (tree.equals(head.getTree())) {
            return new Nothing(path + " at " + branch + " (" + head.abbreviate(7).name() + ") already equals its"
                    + " tree at " + good.abbreviate(7).name() + "; no restore commit needed");
        }
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree);
        commit.setParentId(head);
        PersonIdent who = new PersonIdent("DeployGuard", "deployguard@localhost");
        commit.setAuthor(who);
        commit.setCommitter(who);
        commit.setMessage(message(good, bad));
        try (ObjectInserter inserter = repo.newObjectInserter()) {
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            return new Commit(id, good, bad);
        }
    }

    /** The good commit: the one asked for, else the newest one before the bad commit. */
    private RevCommit good(RevCommit before) throws IOException {
        if (request.good() == null) {
            return before;
        }
        if (request.good() instanceof Deployed.Commit c) {
            return resolve(c.sha());
        }
        int depth = 0;
        for (RevCommit c = before; c != null && depth < MAX_DEPTH; c = parent(c), depth++) {
            if (deploys(c, request.good())) {
                return c;
            }
        }
        throw GitRestoreException.impossible("no commit of " + request.git().branch() + " before "
                + before.abbreviate(7).name() + " deploys " + request.good().describe() + " under "
                + request.git().path() + "; the release rolled back to was not deployed from this path");
    }

    private String message(RevCommit good, RevCommit bad) {
        String path = request.git().path();
        return "Roll back " + request.app() + ": restore " + path + " to " + good.abbreviate(7).name() + "\n\n"
                + "DeployGuard rolled " + request.app() + " back; this commit makes git say what runs.\n"
                + path + " is set back to its tree at the last good commit " + good.name() + ",\n"
                + "undoing " + bad.name() + " and everything after it under that path.\n"
                + "Files outside " + path + " are unchanged.\n\n"
                + "DeployGuard-App: " + request.app() + "\n"
                + "DeployGuard-Good: " + good.name() + "\n"
                + "DeployGuard-Bad: " + bad.name() + "\n"
                + "DeployGuard-Actor: " + oneLine(request.actor()) + "\n";
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\p{Cntrl}", " ");
    }

    private RevCommit parent(RevCommit c) throws IOException {
        return c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0));
    }

    private RevCommit resolve(String sha) throws IOException {
        ObjectId id;
        try {
            id = repo.resolve(sha + "^{commit}");
        } catch (org.eclipse.jgit.errors.RevisionSyntaxException | org.eclipse.jgit.errors.AmbiguousObjectException e) {
            throw GitRestoreException.impossible("commit " + sha + " is ambiguous or malformed in "
                    + request.git().url());
        }
        if (id == null) {
            throw GitRestoreException.impossible("commit " + sha + " is not in the history of "
                    + request.git().branch() + " at " + request.git().url());
        }
        return walk.parseCommit(id);
    }
}
