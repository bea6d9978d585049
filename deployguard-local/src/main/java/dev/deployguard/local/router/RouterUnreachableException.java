package dev.deployguard.local.router;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/** The router's admin API did not answer: the router is not running, still starting, or hung. */
public class RouterUnreachableException extends DeployGuardException {
    public RouterUnreachableException(String message, Throwable cause) {
        super(ExitCode.UNREACHABLE, message, cause);
    }
}
