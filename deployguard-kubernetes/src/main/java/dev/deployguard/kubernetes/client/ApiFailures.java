package dev.deployguard.kubernetes.client;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;

/**
 * Turns a failed Kubernetes API call into a {@link DeployGuardException} a person can act on: which verb on which
 * resource, in which namespace, and what to change (RBAC, kubeconfig, the cluster itself).
 */
public final class ApiFailures {
    private ApiFailures() {
    }

    /** What was being done when the call failed, e.g. verb "update", resource "deployments.apps", name "web". */
    public record Call(String verb, String resource, String namespace, String name) {
        String target() {
            return resource + (name == null ? "" : " \"" + name + "\"") + " in namespace " + namespace;
        }
    }

    public static DeployGuardException translate(KubernetesClientException e, Call call, KubernetesClient client) {
        int code = e.getCode();
        String server = client.getMasterUrl() == null ? "the API server" : client.getMasterUrl().toString();
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : firstLine(e.getMessage());
        if (code == 403) {
            return new DeployGuardException(ExitCode.FAILURE, "forbidden: Kubernetes refused to " + call.verb() + " "
                    + call.target() + " (" + detail + "). Grant the kubeconfig user an RBAC Role in namespace "
                    + call.namespace() + " allowing verb '" + call.verb() + "' on resource '" + call.resource()
                    + "', e.g. kubectl create role deployguard --verb=" + call.verb() + " --resource="
                    + call.resource() + " -n " + call.namespace(), e);
        }
        if (code == 401) {
            return new DeployGuardException(ExitCode.FAILURE, "unauthorized: " + server + " rejected the"
                    + " kubeconfig's credentials while trying to " + call.verb() + " " + call.target()
                    + "; refresh them (e.g. re-run your cloud's get-credentials command)", e);
        }
        if (code == 404) {
            return DeployGuardException.notFound(call.target() + " was not found (" + detail + ")");
        }
        if (code == 0 || causedBy(e, IOException.class)) {
            return new DeployGuardException(ExitCode.UNREACHABLE, "cannot reach the Kubernetes API server at "
                    + server + " to " + call.verb() + " " + call.target() + " (" + rootMessage(e)
                    + "); check that the cluster is running and that the kubeconfig context points at it", e);
        }
        return new DeployGuardException(ExitCode.FAILURE, "Kubernetes answered HTTP " + code + " to " + call.verb()
                + " " + call.target() + ": " + detail, e);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
