package dev.deployguard.gitops.git;

import dev.deployguard.gitops.GitRestoreException;
import dev.deployguard.spec.GitOpsSpec;
import java.util.Map;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * The credentials of one repository, read from the environment variable the spec names: a token (sent as the
 * password of user {@value #TOKEN_USER}, as GitHub and GitLab accept it) or {@code user:password}. The secret is
 * kept here only; {@link #redact} removes it from any text before that text is shown or recorded.
 */
final class GitCredentials {
    static final String TOKEN_USER = "x-access-token";

    private final String user;
    private final String secret;

    private GitCredentials(String user, String secret) {
        this.user = user;
        this.secret = secret;
    }

    /** No credentials (SSH, file://, anonymous HTTP). */
    static GitCredentials none() {
        return new GitCredentials(null, null);
    }

    /** The credentials the spec names, from {@code env}; none when it names no variable. */
    static GitCredentials of(GitOpsSpec.Git git, Map<String, String> env) {
        if (git.credentialsEnv() == null) {
            return none();
        }
        String value = env.get(git.credentialsEnv());
        if (value == null || value.isBlank()) {
            throw GitRestoreException.unavailable("the environment variable " + git.credentialsEnv() + " named in"
                    + " gitops.git.credentialsEnv is not set in the control plane's environment; set it to a token or"
                    + " user:password and restart the control plane");
        }
        int colon = value.indexOf(':');
        return colon > 0 ? new GitCredentials(value.substring(0, colon), value.substring(colon + 1))
                : new GitCredentials(TOKEN_USER, value);
    }

    /** For JGit's HTTP transport; null when there are none. */
    CredentialsProvider provider() {
        return secret == null ? null : new UsernamePasswordCredentialsProvider(user, secret);
    }

    /** {@code text} with the secret replaced by {@code ***} wherever it occurs. */
    String redact(String text) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, "***");
    }

    @Override
    public String toString() {
        return secret == null ? "no credentials" : "credentials of " + user + " (secret hidden)";
    }
}
