package dev.deployguard.server.deploy;

import dev.deployguard.release.Release;

/**
 * What a deploy or rollback did.
 *
 * @param previousRevision the revision that served before, or null
 * @param switchMillis time to move 100% of traffic at the router (0 when traffic did not move)
 */
public record DeployResult(Release release, Integer previousRevision, long switchMillis, String message) {
    /** This result with what git did after it appended ({@code "; git: ..."}); unchanged when git said nothing. */
    public DeployResult withGit(String gitSays) {
        return gitSays == null ? this : new DeployResult(release, previousRevision, switchMillis,
                message + "; git: " + gitSays);
    }
}
