package dev.deployguard.kubernetes.deployment;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.client.ApiFailures;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;

/**
 * Reads a Deployment and the ReplicaSets it controls, as kubectl does: ReplicaSets matching the Deployment's
 * selector whose controller owner reference carries the Deployment's UID. Set-based selector terms are checked
 * here rather than trusted to the server's list filter.
 */
final class DeploymentLookup {
    private final KubernetesClient client;

    DeploymentLookup(KubernetesClient client) {
        this.client = client;
    }

    /** The Deployment; NOT_FOUND naming whether the namespace or the Deployment is missing. */
    Deployment get(String namespace, String name) {
        Deployment d;
        try {
            d = client.apps().deployments().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw ApiFailures.translate(e, new ApiFailures.Call("get", "deployments.apps", namespace, name), client);
        }
        if (d != null) {
            return d;
        }
        if (namespaceMissing(namespace)) {
            throw DeployGuardException.notFound("namespace \"" + namespace + "\" does not exist in the cluster of"
                    + " the kubeconfig context; check platform.kubernetes.namespace and context ('kubectl get"
                    + " namespaces')");
        }
        throw DeployGuardException.notFound("deployment \"" + name + "\" not found in namespace \"" + namespace
                + "\"; check platform.kubernetes.deployment (it defaults to the app's name) with 'kubectl get"
                + " deployments -n " + namespace + "'");
    }

    /** The ReplicaSets controlled by {@code d}. */
    List<ReplicaSet> replicaSets(Deployment d) {
        String ns = d.getMetadata().getNamespace();
        LabelSelector selector = d.getSpec().getSelector();
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of()
                : selector.getMatchLabels();
        List<ReplicaSet> all;
        try {
            all = client.apps().replicaSets().inNamespace(ns).withLabels(labels).list().getItems();
        } catch (KubernetesClientException e) {
            throw ApiFailures.translate(e, new ApiFailures.Call("list", "replicasets.apps", ns, null), client);
        }
        String uid = d.getMetadata().getUid();
        return all.stream()
                .filter(rs -> rs.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && uid.equals(o.getUid())))
                .filter(rs -> matches(selector, rs.getMetadata().getLabels()))
                .toList();
    }

    private boolean namespaceMissing(String namespace) {
        try {
            return client.namespaces().withName(namespace).get() == null;
        } catch (KubernetesClientException e) {
            return false; // cannot tell (e.g. no RBAC to read namespaces): say the Deployment is missing
        }
    }

    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(have.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                String v = have.get(r.getKey());
                boolean ok = switch (r.getOperator()) {
                    case "In" -> v != null && r.getValues().contains(v);
                    case "NotIn" -> v == null || !r.getValues().contains(v);
                    case "Exists" -> have.containsKey(r.getKey());
                    case "DoesNotExist" -> !have.containsKey(r.getKey());
                    default -> false;
                };
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
