package dev.deployguard.server;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;

/**
 * A change sent to a control-plane replica that does not hold the leader lease. Its own type so the API answers it
 * with 503 (try elsewhere or later) and names the leader, rather than as a generic unreachable upstream.
 */
public final class NotLeaderException extends DeployGuardException {
    private static final long serialVersionUID = 1L;

    private final String leader;

    NotLeaderException(String leader, String message) {
        super(ExitCode.UNREACHABLE, message);
        this.leader = leader;
    }

    /** The Lease's holder identity, or null while no replica holds it. */
    public String leader() {
        return leader;
    }
}
