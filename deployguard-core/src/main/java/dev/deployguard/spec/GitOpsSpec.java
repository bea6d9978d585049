package dev.deployguard.spec;

import java.util.Objects;

/**
 * The app's {@code gitops} section: where the app's desired state lives in git, so that after a rollback git says
 * what actually runs (a restore commit of the app's directory).
 *
 * @param git the repository, branch and directory of the app's manifests; null when absent
 */
public record GitOpsSpec(Git git) {

    /**
     * One app's directory in a git repository.
     *
     * @param url            the repository ({@code https://}, {@code http://}, {@code ssh://}, {@code git@host:path},
     *                       {@code git://} or {@code file://}); never holds a password
     * @param branch         the main line the app is deployed from, e.g. {@code main}
     * @param path           the app's directory (or file) relative to the repository root, without {@code ..}
     * @param push           where the restore commit goes
     * @param credentialsEnv the environment variable holding a token, or {@code user:password}, for HTTP(S); null for
     *                       none (SSH uses the agent and the keys in {@code ~/.ssh})
     */
    public record Git(String url, String branch, String path, Push push, String credentialsEnv) {
        public Git {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(branch, "branch");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(push, "push");
        }
    }

    /** Where the restore commit is pushed. */
    public enum Push {
        /** A new branch {@code deployguard/rollback-APP-<short bad SHA>} for review (a pull request). */
        BRANCH,
        /** Straight onto {@link Git#branch()}, as a fast-forward. */
        MAIN
    }
}
