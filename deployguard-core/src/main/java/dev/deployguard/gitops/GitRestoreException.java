package dev.deployguard.gitops;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/**
 * A restore that did not happen; nothing was pushed. {@link #retryable()} failures (git unreachable, a push rejected
 * twice, credentials refused) are retried later; the others need a person (no good commit in the history).
 */
public final class GitRestoreException extends DeployGuardException {
    private final boolean retryable;

    public GitRestoreException(ExitCode code, boolean retryable, String message) {
        super(code, message);
        this.retryable = retryable;
    }

    /** Git could not be reached or refused the push: the same request may succeed later. */
    public static GitRestoreException unavailable(String message) {
        return new GitRestoreException(ExitCode.UNREACHABLE, true, message);
    }

    /** The history does not allow the restore as asked: retrying gives the same answer. */
    public static GitRestoreException impossible(String message) {
        return new GitRestoreException(ExitCode.FAILURE, false, message);
    }

    public boolean retryable() {
        return retryable;
    }
}
