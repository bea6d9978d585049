package dev.deployguard.kubernetes.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.kubernetes.prepull.ImageNames;
import dev.deployguard.kubernetes.prepull.NodeEligibility;
import dev.deployguard.kubernetes.prepull.PrePull;
import dev.deployguard.kubernetes.prepull.PrePullDaemonSet;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code cluster.rollback-image} check: "rollback target present on N/M nodes". M is the nodes that may run the
 * app's pods ({@link NodeEligibility}); a node counts as holding the rollback image (the one serving now, which a
 * rollback puts back) when its {@code status.images} lists it, or when a Ready pod of the app's pre-pull DaemonSet
 * there runs it (the kubelet lists at most 50 images per node by default, so the list alone can miss it). PASS when
 * all M hold it; WARN otherwise (a rollback then needs the registry on those nodes), naming them.
 */
public final class RollbackImageCheck implements Check {
    public static final String NAME = CheckNames.CLUSTER_ROLLBACK_IMAGE;
    private final KubernetesClient client;
    private final String namespace;
    private final String app;
    private final PodSpec appPod;
    private final String rollbackImage;

    /**
     * @param appPod        the app's pod spec (its Deployment's template): where its pods may run
     * @param rollbackImage the image a rollback would put back (the serving container's image)
     */
    public RollbackImageCheck(KubernetesClient client, String namespace, String app, PodSpec appPod,
                              String rollbackImage) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = namespace;
        this.app = app;
        this.appPod = appPod;
        this.rollbackImage = Objects.requireNonNull(rollbackImage, "rollbackImage");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult run(CheckContext context) {
        KubernetesClient api = BoundedClient.of(client, context.timeout());
        List<Node> nodes;
        List<Pod> pods;
        try {
            nodes = ApiProblem.call("list", "nodes", null, () -> api.nodes().list().getItems());
            pods = ApiProblem.call("list", "pods", namespace, () -> api.pods().inNamespace(namespace)
                    .withLabel(PrePullDaemonSet.LABEL, app).list().getItems());
        } catch (ApiProblem p) {
            return p.toResult(NAME, client);
        }
        Set<String> heldByPrePull = new HashSet<>();
        for (Pod p : pods) {
            boolean runsIt = p.getSpec() != null && p.getSpec().getContainers().stream()
                    .anyMatch(c -> rollbackImage.equals(c.getImage()));
            if (runsIt && PrePull.ready(p) && p.getSpec().getNodeName() != null) {
                heldByPrePull.add(p.getSpec().getNodeName());
            }
        }
        List<String> eligible = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Node n : nodes.stream().sorted(Comparator.comparing(x -> x.getMetadata().getName())).toList()) {
            if (!NodeEligibility.eligible(n, appPod)) {
                continue;
            }
            String name = n.getMetadata().getName();
            eligible.add(name);
            if (!heldByPrePull.contains(name) && !listed(n)) {
                missing.add(name);
            }
        }
        int m = eligible.size();
        int present = m - missing.size();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("image", rollbackImage);
        data.put("eligibleNodes", m);
        data.put("nodesWithImage", present);
        data.put("missing", missing);
        data.put("nodesIneligible", nodes.size() - m);
        if (m == 0) {
            return CheckResult.warn(NAME, "no node may run the pods of " + app + " (of " + nodes.size()
                    + " node(s); nodeSelector, required node affinity or taints exclude them all)",
                    "check the pod template's nodeSelector, affinity and tolerations against the nodes' labels and"
                            + " taints (kubectl get nodes --show-labels)").withData(data);
        }
        String headline = "rollback target " + rollbackImage + " present on " + present + "/" + m + " node(s)";
        if (missing.isEmpty()) {
            return CheckResult.pass(NAME, headline).withData(data);
        }
        return CheckResult.warn(NAME, headline + "; missing on " + String.join(", ", missing),
                "a rollback there must pull the image from the registry: set platform.kubernetes.prePull"
                        + " (enabled: true) so that every deploy keeps it on every node").withData(data);
    }

    private boolean listed(Node n) {
        if (n.getStatus() == null || n.getStatus().getImages() == null) {
            return false;
        }
        List<String> names = new ArrayList<>();
        for (ContainerImage i : n.getStatus().getImages()) {
            if (i.getNames() != null) {
                names.addAll(i.getNames());
            }
        }
        return ImageNames.holds(names, rollbackImage);
    }
}
