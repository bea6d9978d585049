package dev.deployguard.kubernetes.check;

import dev.deployguard.check.CheckResult;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A Kubernetes API call the cluster checks could not make: the server was unreachable or slow, or refused the
 * credentials. Each call is named by its RBAC verb and resource so a 403 says exactly which permission is missing.
 */
final class ApiProblem extends Exception {
    private final String verb;
    private final String resource;
    private final String namespace;
    private final int code;

    private ApiProblem(String verb, String resource, String namespace, KubernetesClientException cause) {
        super(cause.getMessage(), cause);
        this.verb = verb;
        this.resource = resource;
        this.namespace = namespace;
        this.code = cause.getCode();
    }

    /** Runs one API call; a client failure becomes an ApiProblem naming the verb and resource. */
    static <T> T call(String verb, String resource, String namespace, Supplier<T> call) throws ApiProblem {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw new ApiProblem(verb, resource, namespace, e);
        }
    }

    boolean forbidden() {
        return code == 403;
    }

    /** The check's ERROR ("cannot tell") result for this problem. */
    CheckResult toResult(String check, KubernetesClient client) {
        String server = client.getConfiguration().getMasterUrl();
        String what = verb + " " + resource + (namespace == null ? "" : " in namespace " + namespace);
        Map<String, Object> data = Map.of("apiServer", server, "verb", verb, "resource", resource, "httpStatus", code);
        if (code == 403) {
            return CheckResult.error(check, "the Kubernetes API server at " + server + " refused to " + what
                            + " (403 Forbidden): " + serverMessage(),
                    "Grant DeployGuard's credentials the RBAC permission verb '" + verb + "' on resource '"
                            + resource + "' (" + (namespace == null ? "a ClusterRole: " + resource
                            + " are cluster-wide" : "a Role in namespace " + namespace) + ").").withData(data);
        }
        if (code == 401) {
            return CheckResult.error(check, "the Kubernetes API server at " + server + " rejected the credentials"
                            + " (401 Unauthorized) to " + what,
                    "Check the kubeconfig user or token DeployGuard uses.").withData(data);
        }
        if (code > 0) {
            return CheckResult.error(check, "the Kubernetes API server at " + server + " answered HTTP " + code
                    + " to " + what + ": " + serverMessage(), "Look at the API server's health; run the checks again"
                    + " when it answers.").withData(data);
        }
        if (timedOut()) {
            return CheckResult.error(check, "the Kubernetes API server at " + server + " did not answer in time to "
                    + what + ": " + rootMessage(), "Check the API server's load and the network to it, or raise"
                    + " the checks' timeout.").withData(data);
        }
        return CheckResult.error(check, "cannot reach the Kubernetes API server at " + server + " to " + what + ": "
                        + rootMessage(), "Check that the cluster is up and that the kubeconfig's server address is"
                        + " reachable from here" + (connectRefused() ? " (connection refused)" : "") + ".")
                .withData(data);
    }

    private String serverMessage() {
        var status = ((KubernetesClientException) getCause()).getStatus();
        return status != null && status.getMessage() != null ? status.getMessage() : getMessage();
    }

    private boolean timedOut() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                    || t instanceof TimeoutException || (t instanceof InterruptedIOException
                    && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("timeout"))) {
                return true;
            }
        }
        return false;
    }

    private boolean connectRefused() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private String rootMessage() {
        Throwable root = getCause();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
