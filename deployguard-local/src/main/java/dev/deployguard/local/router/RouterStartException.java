package dev.deployguard.local.router;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/** A router process did not come up; the message ends with the last lines of its log, which say why. */
public class RouterStartException extends DeployGuardException {
    private final String logTail;

    public RouterStartException(String message, String logTail, Throwable cause) {
        super(ExitCode.FAILURE, logTail.isBlank() ? message : message + "; router log ends with:\n" + logTail, cause);
        this.logTail = logTail;
    }

    /** The last lines of the router's log at the time of failure (may be empty). */
    public String logTail() {
        return logTail;
    }
}
