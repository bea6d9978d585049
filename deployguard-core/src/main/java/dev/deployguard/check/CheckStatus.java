package dev.deployguard.check;

/**
 * The outcome of one check. {@link #ERROR} means "cannot tell" (a timeout, an unreachable service, a report that
 * cannot be read): the checklist is not ready, but the message says the check itself did not run to a verdict —
 * JUnit XML reports it as an error, not a failure.
 */
public enum CheckStatus {
    PASS, WARN, FAIL, ERROR, SKIPPED;

    /** Whether this outcome lets a deploy go ahead. */
    public boolean allowsDeploy() {
        return this == PASS || this == WARN || this == SKIPPED;
    }
}
