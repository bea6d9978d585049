package dev.deployguard.kubernetes.check;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test support: Nodes and Pods with the status a kubelet and the scheduler really report (condition types, reasons
 * and messages copied from what Kubernetes 1.28–1.32 writes), stored in the mock API server through the client.
 */
final class ClusterObjects {
    static final String T0 = "2026-11-25T20:00:00Z";

    private ClusterObjects() {
    }

    static void namespace(KubernetesClient client, String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
    }

    // --- nodes -------------------------------------------------------------------------------------------------

    static Node readyNode(String name, String allocatableMemory) {
        return node(name, condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"), false,
                allocatableMemory, List.of());
    }

    static Node notReadyNode(String name) {
        return node(name, condition("Ready", "False", "KubeletNotReady", "container runtime network not ready:"
                + " NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin"
                + " not initialized"), false, "15613160Ki", List.of(
                taint("node.kubernetes.io/not-ready", "NoSchedule")));
    }

    static Node unreachableNode(String name) {
        return node(name, condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
                false, "15613160Ki", List.of(taint("node.kubernetes.io/unreachable", "NoSchedule"),
                        taint("node.kubernetes.io/unreachable", "NoExecute")));
    }

    static Node cordonedNode(String name, String allocatableMemory) {
        return node(name, condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"), true,
                allocatableMemory, List.of(taint("node.kubernetes.io/unschedulable", "NoSchedule")));
    }

    private static Node node(String name, NodeCondition ready, boolean unschedulable, String memory,
                             List<Taint> taints) {
        List<NodeCondition> conditions = new ArrayList<>(List.of(
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory"
                        + " available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available")));
        conditions.add(ready);
        return new NodeBuilder()
                .withNewMetadata().withName(name)
                    .withLabels(Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux")).endMetadata()
                .withNewSpec().withUnschedulable(unschedulable ? Boolean.TRUE : null).withTaints(taints).endSpec()
                .withNewStatus()
                    .withCapacity(Map.of("cpu", new Quantity("4"), "memory", new Quantity("16315648Ki"),
                            "pods", new Quantity("110")))
                    .withAllocatable(Map.of("cpu", new Quantity("3920m"), "memory", new Quantity(memory),
                            "pods", new Quantity("110")))
                    .withConditions(conditions)
                    .withNewNodeInfo().withKubeletVersion("v1.31.4").withContainerRuntimeVersion("containerd://1.7.24")
                        .withOperatingSystem("linux").withArchitecture("amd64").endNodeInfo()
                .endStatus().build();
    }

    private static NodeCondition condition(String type, String status, String reason, String message) {
        return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(T0).withLastTransitionTime(T0).build();
    }

    private static Taint taint(String key, String effect) {
        return new TaintBuilder().withKey(key).withEffect(effect).withTimeAdded("NoExecute".equals(effect) ? T0 : null)
                .build();
    }

    // --- pods --------------------------------------------------------------------------------------------------

    static PodBuilder pod(String namespace, String name, String node, String memoryRequest) {
        return new PodBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                    .withLabels(Map.of("app", "shop", "pod-template-hash", "7d9c5b8f6")).endMetadata()
                .withNewSpec().withNodeName(node)
                    .addNewContainer().withName("web").withImage("127.0.0.1:5000/shop/app:1.4.1")
                        .withNewResources().withRequests(Map.of("cpu", new Quantity("250m"),
                                "memory", new Quantity(memoryRequest))).endResources()
                    .endContainer()
                .endSpec();
    }

    static Pod running(PodBuilder pod) {
        return pod.withNewStatus().withPhase("Running").withPodIP("10.244.1.17")
                .withConditions(podCondition("PodScheduled", "True", null, null),
                        podCondition("Initialized", "True", null, null),
                        podCondition("ContainersReady", "True", null, null), podCondition("Ready", "True", null, null))
                .withContainerStatuses(new ContainerStatusBuilder().withName("web").withReady(true).withStarted(true)
                        .withRestartCount(0).withImage("127.0.0.1:5000/shop/app:1.4.1")
                        .withNewState().withNewRunning().withStartedAt(T0).endRunning().endState().build())
                .endStatus().build();
    }

    static Pod crashLooping(PodBuilder pod) {
        String name = pod.buildMetadata().getName();
        return pod.withNewStatus().withPhase("Running")
                .withConditions(podCondition("PodScheduled", "True", null, null),
                        podCondition("ContainersReady", "False", "ContainersNotReady",
                                "containers with unready status: [web]"),
                        podCondition("Ready", "False", "ContainersNotReady", "containers with unready status: [web]"))
                .withContainerStatuses(new ContainerStatusBuilder().withName("web").withReady(false).withStarted(false)
                        .withRestartCount(6)
                        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                            .withMessage("back-off 2m40s restarting failed container=web pod=" + name + "_shop")
                        .endWaiting().endState()
                        .withNewLastState().withNewTerminated().withReason("Error").withExitCode(1)
                            .withStartedAt(T0).withFinishedAt(T0).endTerminated().endLastState().build())
                .endStatus().build();
    }

    static Pod unschedulable(PodBuilder pod) {
        return pod.editSpec().withNodeName(null).endSpec().withNewStatus().withPhase("Pending")
                .withConditions(podCondition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available:"
                        + " 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory."
                        + " preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No"
                        + " preemption victims found for incoming pod."))
                .endStatus().build();
    }

    static Pod imagePullBackOff(PodBuilder pod) {
        return pod.withNewStatus().withPhase("Pending")
                .withConditions(podCondition("PodScheduled", "True", null, null))
                .withContainerStatuses(waiting("web", "ImagePullBackOff",
                        "Back-off pulling image \"127.0.0.1:5000/shop/app:1.4.1\""))
                .endStatus().build();
    }

    static Pod evicted(PodBuilder pod) {
        return pod.withNewStatus().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory. Threshold quantity: 100Mi, available: 91244Ki.")
                .withContainerStatuses(new ContainerStatusBuilder().withName("web").withReady(false)
                        .withRestartCount(0).withNewState().withNewTerminated().withReason("OOMKilled")
                        .withExitCode(137).withStartedAt(T0).withFinishedAt(T0).endTerminated().endState().build())
                .endStatus().build();
    }

    static Pod completed(PodBuilder pod) {
        return pod.withNewStatus().withPhase("Succeeded")
                .withContainerStatuses(new ContainerStatusBuilder().withName("web").withReady(false)
                        .withRestartCount(0).withNewState().withNewTerminated().withReason("Completed")
                        .withExitCode(0).withStartedAt(T0).withFinishedAt(T0).endTerminated().endState().build())
                .endStatus().build();
    }

    private static ContainerStatus waiting(String container, String reason, String message) {
        return new ContainerStatusBuilder().withName(container).withReady(false).withRestartCount(0)
                .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
                .build();
    }

    private static PodCondition podCondition(String type, String status, String reason, String message) {
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(T0).build();
    }
}
