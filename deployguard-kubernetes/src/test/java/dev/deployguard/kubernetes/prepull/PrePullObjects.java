package dev.deployguard.kubernetes.prepull;

import io.fabric8.kubernetes.api.model.ContainerImageBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/** Test support: an app's pod spec with placement rules, nodes, and DaemonSet status written as the controller does. */
final class PrePullObjects {
    static final String NS = "shop";
    static final String APP = "web";
    static final String V1 = "registry.example.com/shop/web@sha256:" + "1".repeat(64);
    static final String V2 = "registry.example.com/shop/web@sha256:" + "2".repeat(64);
    static final String V3 = "registry.example.com/shop/web@sha256:" + "3".repeat(64);

    private PrePullObjects() {
    }

    /**
     * The app's pod spec: on SSD nodes of two zones, tolerating the dedicated=web taint, with a pull Secret, a
     * service account, and a pod anti-affinity (spreads, does not decide eligibility) and a preferred node affinity.
     */
    static PodSpec appPod() {
        return new PodSpecBuilder()
                .withNodeSelector(Map.of("disktype", "ssd"))
                .withNewAffinity()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchExpression().withKey("topology.kubernetes.io/zone")
                .withOperator("In").withValues("zone-a", "zone-b").endMatchExpression().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(10).withNewPreference()
                .addNewMatchExpression().withKey("tier").withOperator("In").withValues("gold").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().withMatchLabels(Map.of("app", APP))
                .endLabelSelector().endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity()
                .endAffinity()
                .addNewToleration().withKey("dedicated").withOperator("Equal").withValue("web")
                .withEffect("NoSchedule").endToleration()
                .addNewImagePullSecret("regcred")
                .withServiceAccountName("web")
                .addNewContainer().withName("web").withImage(V2).endContainer()
                .build();
    }

    /** A node with labels, an optional taint ({@code key=value:Effect}) and the images its kubelet reports. */
    static Node node(String name, Map<String, String> labels, String taint, List<String> images) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().endSpec().withNewStatus().endStatus();
        if (taint != null) {
            String[] kv = taint.split("[=:]");
            b.editSpec().withTaints(new TaintBuilder().withKey(kv[0]).withValue(kv[1]).withEffect(kv[2]).build())
                    .endSpec();
        }
        if (!images.isEmpty()) {
            b.editStatus().withImages(new ContainerImageBuilder().withNames(images).withSizeBytes(1000L).build())
                    .endStatus();
        }
        return b.build();
    }

    static Map<String, String> ssd(String zone) {
        return Map.of("disktype", "ssd", "topology.kubernetes.io/zone", zone);
    }

    /** Writes the DaemonSet's status as its controller would after seeing the current generation. */
    static void status(KubernetesClient client, int desired, int updated, int ready) {
        DaemonSet ds = client.apps().daemonSets().inNamespace(NS).withName(PrePullDaemonSet.name(APP)).get();
        long generation = ds.getMetadata().getGeneration() == null ? 1 : ds.getMetadata().getGeneration();
        ds.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation)
                .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(desired)
                .withUpdatedNumberScheduled(updated).withNumberReady(ready).withNumberAvailable(ready)
                .withNumberUnavailable(desired - ready).withNumberMisscheduled(0).build());
        client.apps().daemonSets().inNamespace(NS).resource(ds).updateStatus();
    }

    /** A pre-pull pod on {@code node} as the DaemonSet controller and kubelet leave it. */
    static Pod prePullPod(String node, List<String> images, boolean ready, String waitingReason) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(PrePullDaemonSet.name(APP) + "-" + node)
                .withNamespace(NS).withLabels(Map.of(PrePullDaemonSet.LABEL, APP)).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase(ready ? "Running" : "Pending")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus();
        for (int i = 0; i < images.size(); i++) {
            String name = i == 0 ? PrePullDaemonSet.NEW_CONTAINER : PrePullDaemonSet.ROLLBACK_CONTAINER;
            b.editSpec().addNewContainer().withName(name).withImage(images.get(i)).endContainer().endSpec();
        }
        if (waitingReason != null) {
            b.editStatus().addNewContainerStatus().withName(PrePullDaemonSet.NEW_CONTAINER).withImage(images.get(0))
                    .withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason(waitingReason)
                    .withMessage("Back-off pulling image \"" + images.get(0) + "\"").endWaiting().endState()
                    .endContainerStatus().endStatus();
        }
        return b.build();
    }
}
