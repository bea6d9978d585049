package dev.deployguard.kubernetes.prepull;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which nodes a pod spec may be placed on, judged as the DaemonSet controller judges a node for a daemon pod
 * (kubernetes/kubernetes {@code pkg/controller/daemon/daemon_controller.go}, {@code predicates}): the
 * {@code nodeSelector} and the required node affinity match the node's labels (and {@code metadata.name} for
 * {@code matchFields}), and every {@code NoSchedule}/{@code NoExecute} taint is tolerated ({@code
 * k8s.io/api/core/v1 Toleration.ToleratesTaint}). Preferred affinity and pod (anti-)affinity do not decide where a
 * pod may run, only where it is preferred or packed.
 */
public final class NodeEligibility {
    private NodeEligibility() {
    }

    /** Empty when {@code pod} may run on {@code node}; else why not, e.g. {@code nodeSelector disktype=ssd}. */
    public static Optional<String> whyNot(Node node, PodSpec pod) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of()
                : node.getMetadata().getLabels();
        if (pod.getNodeSelector() != null) {
            for (Map.Entry<String, String> e : pod.getNodeSelector().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return Optional.of("nodeSelector " + e.getKey() + "=" + e.getValue() + " does not match");
                }
            }
        }
        NodeSelector required = pod.getAffinity() == null || pod.getAffinity().getNodeAffinity() == null ? null
                : pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        if (required != null && required.getNodeSelectorTerms() != null
                && required.getNodeSelectorTerms().stream().noneMatch(t -> matches(t, node, labels))) {
            return Optional.of("required node affinity does not match");
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        List<Toleration> tolerations = pod.getTolerations() == null ? List.of() : pod.getTolerations();
        for (Taint t : taints) {
            boolean blocks = "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect());
            if (blocks && tolerations.stream().noneMatch(x -> tolerates(x, t))) {
                return Optional.of("taint " + t.getKey() + (t.getValue() == null || t.getValue().isEmpty() ? ""
                        : "=" + t.getValue()) + ":" + t.getEffect() + " not tolerated");
            }
        }
        return Optional.empty();
    }

    public static boolean eligible(Node node, PodSpec pod) {
        return whyNot(node, pod).isEmpty();
    }

    /** A term matches when all its requirements do; a term with none matches no node (as in Kubernetes). */
    private static boolean matches(NodeSelectorTerm term, Node node, Map<String, String> labels) {
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of()
                : term.getMatchExpressions();
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        if (expressions.isEmpty() && fields.isEmpty()) {
            return false;
        }
        Map<String, String> nodeFields = Map.of("metadata.name", node.getMetadata().getName());
        return expressions.stream().allMatch(r -> requirement(r, labels))
                && fields.stream().allMatch(r -> requirement(r, nodeFields));
    }

    private static boolean requirement(NodeSelectorRequirement r, Map<String, String> labels) {
        String value = labels.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt", "Lt" -> value != null && values.size() == 1 && compare(value, values.get(0), r.getOperator());
            default -> false;
        };
    }

    private static boolean compare(String label, String bound, String op) {
        try {
            long l = Long.parseLong(label);
            long b = Long.parseLong(bound);
            return "Gt".equals(op) ? l > b : l < b;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** {@code Toleration.ToleratesTaint}: effect (empty = all), key (empty with Exists = all), operator and value. */
    static boolean tolerates(Toleration x, Taint t) {
        if (x.getEffect() != null && !x.getEffect().isEmpty() && !x.getEffect().equals(t.getEffect())) {
            return false;
        }
        String key = x.getKey() == null ? "" : x.getKey();
        if (!key.isEmpty() && !key.equals(t.getKey())) {
            return false;
        }
        String op = x.getOperator() == null || x.getOperator().isEmpty() ? "Equal" : x.getOperator();
        if ("Exists".equals(op)) {
            return true;
        }
        if (key.isEmpty()) {
            return false; // an empty key needs Exists
        }
        String want = x.getValue() == null ? "" : x.getValue();
        String have = t.getValue() == null ? "" : t.getValue();
        return "Equal".equals(op) && want.equals(have);
    }
}
