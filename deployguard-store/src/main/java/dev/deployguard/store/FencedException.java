package dev.deployguard.store;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/**
 * A state change refused because this control plane no longer holds the leader epoch it acts under (another replica
 * took over while it was paused or cut off); the transaction was rolled back, nothing of it was written. Exit code 5
 * (send it to the leader, or retry).
 */
public final class FencedException extends DeployGuardException {
    private static final long serialVersionUID = 1L;

    FencedException(String message) {
        super(ExitCode.UNREACHABLE, message);
    }
}
