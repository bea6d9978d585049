package dev.deployguard.kubernetes.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code cluster.health} check: every node reports Ready=True and is not cordoned. A NotReady or cordoned node
 * means pods of the release may be evicted or not scheduled, so the deploy waits until the cluster is whole (or the
 * node is removed from it).
 */
public final class NodeHealthCheck implements Check {
    public static final String NAME = CheckNames.CLUSTER_HEALTH;

    private final KubernetesClient client;

    /** @param client a client of the app's cluster (its own timeouts bound each call) */
    public NodeHealthCheck(KubernetesClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult run(CheckContext context) {
        KubernetesClient api = BoundedClient.of(client, context.timeout());
        List<Node> nodes;
        try {
            nodes = ApiProblem.call("list", "nodes", null, () -> api.nodes().list().getItems()).stream()
                    .sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
        } catch (ApiProblem p) {
            return p.toResult(NAME, client);
        }
        if (nodes.isEmpty()) {
            return CheckResult.fail(NAME, "the cluster at " + client.getConfiguration().getMasterUrl()
                    + " has no nodes", "Add nodes to the cluster (or check that the kubeconfig points at the right"
                    + " one).").withData(Map.of("nodes", 0));
        }
        List<String> bad = nodes.stream().filter(n -> !Nodes.usable(n)).map(Nodes::whyNot).toList();
        Map<String, Object> data = Map.of("nodes", nodes.size(), "notReadyOrCordoned", bad.size());
        if (!bad.isEmpty()) {
            return CheckResult.fail(NAME, bad.size() + " of " + nodes.size() + " node(s) not Ready or cordoned: "
                            + String.join("; ", bad),
                    "Bring the nodes back (kubectl describe node NAME shows why the kubelet is not Ready), uncordon"
                            + " them when maintenance is over (kubectl uncordon NAME), or remove them from the cluster.")
                    .withData(data);
        }
        return CheckResult.pass(NAME, "all " + nodes.size() + " node(s) Ready and schedulable: "
                + String.join(", ", nodes.stream().map(n -> n.getMetadata().getName()).toList())).withData(data);
    }
}
