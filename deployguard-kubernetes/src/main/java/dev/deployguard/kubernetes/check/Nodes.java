package dev.deployguard.kubernetes.check;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the kubelet and the scheduler say about a node: Ready, cordoned, and why not. */
final class Nodes {
    private Nodes() {
    }

    static Optional<NodeCondition> ready(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    static boolean isReady(Node node) {
        return ready(node).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    static boolean isCordoned(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    /** Ready and schedulable: a node new pods can land on. */
    static boolean usable(Node node) {
        return isReady(node) && !isCordoned(node);
    }

    /** Why a node is not usable, e.g. {@code node-2 NotReady (KubeletNotReady: PLEG is not healthy)}. */
    static String whyNot(Node node) {
        List<String> why = new ArrayList<>();
        Optional<NodeCondition> ready = ready(node);
        if (ready.isEmpty()) {
            why.add("no Ready condition reported");
        } else if (!"True".equals(ready.get().getStatus())) {
            NodeCondition c = ready.get();
            why.add("Ready=" + c.getStatus() + " (" + (c.getReason() == null ? "no reason" : c.getReason())
                    + (c.getMessage() == null ? "" : ": " + c.getMessage()) + ")");
        }
        if (isCordoned(node)) {
            why.add("cordoned (spec.unschedulable)");
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        if (!taints.isEmpty()) {
            why.add("taints " + taints.stream().map(t -> t.getKey() + (t.getValue() == null ? "" : "=" + t.getValue())
                    + ":" + t.getEffect()).collect(Collectors.joining(", ")));
        }
        return node.getMetadata().getName() + " " + String.join(", ", why);
    }
}
