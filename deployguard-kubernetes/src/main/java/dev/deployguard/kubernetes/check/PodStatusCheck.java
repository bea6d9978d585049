package dev.deployguard.kubernetes.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code cluster.pods} check: the app's current pods (namespace + label selector) are all Running (no container
 * waiting) or Succeeded. Deploying over pods that are Pending, crash-looping or Failed hides the old problem under
 * the new release, so it is named first. No pod at all passes: a first deploy has none.
 */
public final class PodStatusCheck implements Check {
    public static final String NAME = CheckNames.CLUSTER_PODS;

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> selector;

    /**
     * @param client    a client of the app's cluster
     * @param namespace the app's namespace
     * @param selector  the labels that pick the app's pods (equality only), e.g. {@code app=shop}
     */
    public PodStatusCheck(KubernetesClient client, String namespace, Map<String, String> selector) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        if (selector == null || selector.isEmpty()) {
            throw DeployGuardException.badInput("cluster.pods needs a label selector for the app's pods (e.g. app=shop)");
        }
        this.selector = Map.copyOf(selector);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult run(CheckContext context) {
        KubernetesClient api = BoundedClient.of(client, context.timeout());
        String labels = selector.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        String note = "";
        try {
            Namespace ns = ApiProblem.call("get", "namespaces", null,
                    () -> api.namespaces().withName(namespace).get());
            if (ns == null) {
                return CheckResult.fail(NAME, "namespace " + namespace + " does not exist in the cluster at "
                                + client.getConfiguration().getMasterUrl(),
                        "Create it (kubectl create namespace " + namespace + ") or fix the app's Kubernetes"
                                + " namespace in its spec.").withData(Map.of("namespace", namespace));
            }
        } catch (ApiProblem p) {
            if (!p.forbidden()) {
                return p.toResult(NAME, client);
            }
            note = " (namespace not verified: no permission to get namespaces)";
        }
        List<Pod> pods;
        try {
            pods = ApiProblem.call("list", "pods", namespace,
                    () -> api.pods().inNamespace(namespace).withLabels(selector).list().getItems());
        } catch (ApiProblem p) {
            return p.toResult(NAME, client);
        }
        List<Pod> current = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        List<String> bad = current.stream().map(PodTrouble::of).flatMap(Optional::stream).toList();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", namespace);
        data.put("selector", labels);
        data.put("pods", current.size());
        data.put("unhealthy", bad.size());
        String where = "in namespace " + namespace + " with " + labels + note;
        if (!bad.isEmpty()) {
            return CheckResult.fail(NAME, bad.size() + " of " + current.size() + " pod(s) " + where
                            + " not Running or Succeeded: " + String.join("; ", bad),
                    "Fix the current release first: kubectl -n " + namespace + " describe pod NAME and kubectl logs"
                            + " --previous show why; a release that crash-loops or cannot be scheduled should be"
                            + " rolled back or repaired before deploying over it.").withData(data);
        }
        if (current.isEmpty()) {
            return CheckResult.pass(NAME, "no current pods " + where + " (nothing running yet)").withData(data);
        }
        return CheckResult.pass(NAME, "all " + current.size() + " pod(s) " + where + " Running or Succeeded: "
                + current.stream().map(p -> p.getMetadata().getName()).collect(Collectors.joining(", ")))
                .withData(data);
    }
}
