package dev.deployguard.kubernetes.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code cluster.capacity} check: on the nodes new pods can land on (Ready, not cordoned), allocatable memory
 * minus the memory requested by the pods already there (not Succeeded or Failed) must cover the release:
 * replicas × per-pod request. A pod's request is computed as the scheduler does: the larger of the sum of its
 * containers' requests and its largest init container's, plus its overhead. The check sums over nodes; the evidence
 * also names the most free memory on one node, since a pod cannot span nodes.
 */
public final class CapacityCheck implements Check {
    public static final String NAME = CheckNames.CLUSTER_CAPACITY;

    private final KubernetesClient client;
    private final int replicas;
    private final long perPodBytes;
    private final String perPod;

    /**
     * @param client       a client of the app's cluster
     * @param replicas     how many pods the release runs
     * @param perPodMemory the memory request of one pod, a Kubernetes quantity such as {@code 512Mi}
     */
    public CapacityCheck(KubernetesClient client, int replicas, String perPodMemory) {
        this(client, replicas, Memory.parse(perPodMemory, "the per-pod memory request"), perPodMemory);
    }

    /**
     * @param client      a client of the app's cluster
     * @param replicas    how many pods the release runs
     * @param perPodBytes the memory request of one pod in bytes, e.g. {@link #memoryRequest} of the release's pod
     *                    template
     */
    public CapacityCheck(KubernetesClient client, int replicas, long perPodBytes) {
        this(client, replicas, perPodBytes, Memory.format(perPodBytes));
    }

    private CapacityCheck(KubernetesClient client, int replicas, long perPodBytes, String perPod) {
        this.client = Objects.requireNonNull(client, "client");
        if (replicas < 1) {
            throw DeployGuardException.badInput("cluster.capacity needs at least 1 replica, got " + replicas);
        }
        if (perPodBytes <= 0) {
            throw DeployGuardException.badInput("cluster.capacity needs a positive per-pod memory request");
        }
        this.replicas = replicas;
        this.perPodBytes = perPodBytes;
        this.perPod = perPod;
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
            pods = ApiProblem.call("list", "pods", null,
                    () -> api.pods().inAnyNamespace().list().getItems());
        } catch (ApiProblem p) {
            return p.toResult(NAME, client);
        }
        Map<String, Long> free = new HashMap<>();
        long allocatable = 0;
        for (Node n : nodes) {
            if (Nodes.usable(n) && n.getStatus().getAllocatable() != null) {
                long bytes = Memory.request(n.getStatus().getAllocatable());
                free.put(n.getMetadata().getName(), bytes);
                allocatable += bytes;
            }
        }
        long requested = 0;
        int counted = 0;
        for (Pod p : pods) {
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if (node == null || !free.containsKey(node) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            long r = memoryRequest(p.getSpec());
            free.merge(node, -r, Long::sum);
            requested += r;
            counted++;
        }
        long available = allocatable - requested;
        long needed = perPodBytes * replicas;
        long largest = free.values().stream().mapToLong(Long::longValue).max().orElse(0);
        String numbers = "free memory " + Memory.format(available) + " (allocatable " + Memory.format(allocatable)
                + " on " + free.size() + " schedulable node(s) − requested " + Memory.format(requested) + " by "
                + counted + " pod(s)) " + (available >= needed ? "≥" : "<") + " needed " + Memory.format(needed)
                + " (" + replicas + " × " + perPod + "); most free on one node " + Memory.format(largest);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("allocatableBytes", allocatable);
        data.put("requestedBytes", requested);
        data.put("freeBytes", available);
        data.put("neededBytes", needed);
        data.put("schedulableNodes", free.size());
        if (available < needed) {
            return CheckResult.fail(NAME, numbers, "Add nodes or free memory (uncordon drained nodes, remove idle"
                    + " workloads), or lower the release's replicas or memory request.").withData(data);
        }
        return CheckResult.pass(NAME, numbers).withData(data);
    }

    /**
     * A pod's effective memory request in bytes, as the scheduler counts it: the larger of the sum of its containers'
     * requests and its largest init container's, plus its overhead. Use it on a release's pod template.
     */
    public static long memoryRequest(PodSpec spec) {
        long app = sum(spec.getContainers());
        long init = spec.getInitContainers() == null ? 0 : spec.getInitContainers().stream()
                .mapToLong(c -> c.getResources() == null ? 0 : Memory.request(c.getResources().getRequests()))
                .max().orElse(0);
        return Math.max(app, init) + Memory.request(spec.getOverhead());
    }

    private static long sum(List<Container> containers) {
        if (containers == null) {
            return 0;
        }
        return containers.stream()
                .mapToLong(c -> c.getResources() == null ? 0 : Memory.request(c.getResources().getRequests()))
                .sum();
    }
}
