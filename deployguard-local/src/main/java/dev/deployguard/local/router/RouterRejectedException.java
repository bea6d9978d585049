package dev.deployguard.local.router;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/** The router answered, but refused the request (wrong token, invalid table, ...); the status says which. */
public class RouterRejectedException extends DeployGuardException {
    private final int status;

    public RouterRejectedException(int status, String message) {
        super(ExitCode.FAILURE, message);
        this.status = status;
    }

    /** The HTTP status of the router's answer. */
    public int status() {
        return status;
    }
}
