package dev.deployguard.gitops;

/** What a restore did. */
public sealed interface GitRestoreResult {

    /** The sentence shown to the person and recorded in the event. */
    String message();

    /**
     * A restore commit was pushed.
     *
     * @param sha     the restore commit
     * @param ref     where it was pushed, e.g. {@code refs/heads/main}
     * @param good    the last good commit whose tree of the path it restores
     * @param bad     the commit that brought the bad revision in
     * @param rebuilt true when the first push was rejected and the commit was rebuilt on the new head
     */
    record Restored(String sha, String ref, String good, String bad, boolean rebuilt, String message)
            implements GitRestoreResult {
    }

    /** Nothing was written: the branch's head already does not deploy the bad revision, or equals the good tree. */
    record NothingToDo(String head, String message) implements GitRestoreResult {
    }
}
