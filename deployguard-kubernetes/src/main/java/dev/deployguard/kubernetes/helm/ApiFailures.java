package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;

/** Turns a failed Kubernetes API call into a message a person can act on, classified by exit code. */
final class ApiFailures {
    private ApiFailures() {
    }

    /**
     * @param doing what was attempted, e.g. {@code "list the release records of web"}
     */
    static DeployGuardException of(KubernetesClientException e, String doing, String namespace) {
        String where = " in namespace " + namespace;
        String said = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : rootMessage(e);
        int code = Math.max(e.getCode(), 0);
        return switch (code) {
            case HttpURLConnection.HTTP_FORBIDDEN -> new DeployGuardException(ExitCode.FAILURE,
                    "Forbidden: DeployGuard may not " + doing + where + " (the API server said: " + said + "). "
                            + "Grant its service account that permission (check with kubectl auth can-i).", e);
            case HttpURLConnection.HTTP_UNAUTHORIZED -> new DeployGuardException(ExitCode.FAILURE,
                    "Unauthorized: the API server rejected DeployGuard's credentials while trying to " + doing
                            + where + ". Check the kubeconfig's user or the service account token.", e);
            case HttpURLConnection.HTTP_NOT_FOUND -> new DeployGuardException(ExitCode.NOT_FOUND,
                    "Not found: could not " + doing + where + " (" + said + ").", e);
            case HttpURLConnection.HTTP_CONFLICT -> new DeployGuardException(ExitCode.BUSY,
                    "Conflict: someone else changed the object while DeployGuard tried to " + doing + where
                            + " (" + said + "). Try again.", e);
            case 0 -> new DeployGuardException(ExitCode.UNREACHABLE, // no HTTP answer at all (code 0 or -1)
                    "Cannot reach the Kubernetes API server to " + doing + where + ": " + said
                            + ". Check the kubeconfig context and that the cluster is up.", e);
            default -> new DeployGuardException(code >= 500 ? ExitCode.UNREACHABLE : ExitCode.FAILURE,
                    "The Kubernetes API server answered " + e.getCode() + " when DeployGuard tried to " + doing
                            + where + ": " + said, e);
        };
    }

    static boolean isConflict(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_CONFLICT;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m;
    }
}
