package dev.deployguard.gitops.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/** The app's path inside commits: its tree id, what its files mention, and a head tree with the path replaced. */
final class PathTrees {
    /** Files larger than this are not searched for image references (manifests are small). */
    private static final long MAX_SEARCHED = 1 << 20;

    private final Repository repo;
    private final String path;
    private final Map<ObjectId, Boolean> mentionsCache = new HashMap<>();

    PathTrees(Repository repo, String path) {
        this.repo = repo;
        this.path = path;
    }

    /** The id of the path's tree (or blob) at {@code commit}; null when the path does not exist there. */
    ObjectId idAt(RevCommit commit) throws IOException {
        try (TreeWalk w = TreeWalk.forPath(repo, path, commit.getTree())) {
            return w == null ? null : w.getObjectId(0);
        }
    }

    /** True when the path has the same content in both commits (both absent counts as the same). */
    boolean same(RevCommit a, RevCommit b) throws IOException {
        return Objects.equals(idAt(a), idAt(b));
    }

    /** True when a file under the path at {@code commit} mentions one of {@code needles} as a whole word. */
    boolean mentions(RevCommit commit, List<String> needles) throws IOException {
        ObjectId id = idAt(commit);
        if (id == null) {
            return false;
        }
        Boolean known = mentionsCache.get(id);
        if (known != null) {
            return known;
        }
        boolean found = false;
        try (TreeWalk w = new TreeWalk(repo)) {
            w.addTree(commit.getTree());
            w.setRecursive(true);
            w.setFilter(PathFilter.create(path));
            while (!found && w.next()) {
                if (!FileMode.REGULAR_FILE.equals(w.getFileMode(0))
                        && !FileMode.EXECUTABLE_FILE.equals(w.getFileMode(0))) {
                    continue;
                }
                ObjectLoader blob = repo.open(w.getObjectId(0), Constants.OBJ_BLOB);
                if (blob.getSize() > MAX_SEARCHED) {
                    continue;
                }
                String text = new String(blob.getCachedBytes(), StandardCharsets.UTF_8);
                found = needles.stream().anyMatch(n -> containsWord(text, n));
            }
        }
        mentionsCache.put(id, found);
        return found;
    }

    /**
     * A tree equal to {@code head}'s except under the path, which is {@code good}'s: files added under the path since
     * are gone, files outside it untouched. Built entry by entry, so merges in between do not matter.
     */
    ObjectId restoredTree(RevTree head, RevTree good) throws IOException {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        try (TreeWalk w = new TreeWalk(repo)) {
            w.addTree(head);
            w.setRecursive(true);
            while (w.next()) {
                if (!under(w.getPathString())) {
                    add(builder, w);
                }
            }
        }
        try (TreeWalk w = new TreeWalk(repo)) {
            w.addTree(good);
            w.setRecursive(true);
            w.setFilter(PathFilter.create(path));
            while (w.next()) {
                add(builder, w);
            }
        }
        builder.finish();
        try (ObjectInserter inserter = repo.newObjectInserter()) {
            ObjectId tree = index.writeTree(inserter);
            inserter.flush();
            return tree;
        }
    }

    private boolean under(String file) {
        return file.equals(path) || file.startsWith(path + "/");
    }

    private static void add(DirCacheBuilder builder, TreeWalk w) {
        DirCacheEntry e = new DirCacheEntry(w.getRawPath());
        e.setFileMode(w.getFileMode(0));
        e.setObjectId(w.getObjectId(0));
        builder.add(e);
    }

    /**
     * {@code needle} occurs in {@code text} with no name character right before or after it, so {@code shop:v1} is
     * not found in {@code shop:v10} nor {@code reg/shop:v1} in {@code myreg/shop:v1}.
     */
    static boolean containsWord(String text, String needle) {
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            int end = i + needle.length();
            boolean startOk = i == 0 || !nameChar(text.charAt(i - 1));
            boolean endOk = end == text.length() || !(nameChar(text.charAt(end)) || text.charAt(end) == ':');
            if (startOk && endOk) {
                return true;
            }
        }
        return false;
    }

    // '@' is no part of a name: "repo:v1" is found in "repo:v1@sha256:..." and the digest after the '@'.
    private static boolean nameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '/';
    }
}
