package dev.deployguard.kubernetes.prepull;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pre-pull DaemonSet of an app, {@code deployguard-prepull-APP}, built from the app's pod spec. Its pods land on
 * exactly the nodes that may run the app (the app's {@code nodeSelector}, required node affinity and tolerations
 * copied; its pull Secrets and service account too, so that private images pull as the app's do) and hold two
 * images there with a sleeping container each, at minimal resources:
 * <ul>
 *   <li>{@code new}: the digest about to be rolled out. A pod is Ready only once it is pulled and started, so the
 *   DaemonSet's ready count is the number of nodes that hold it;</li>
 *   <li>{@code rollback}: the image serving now, which a rollback puts back. Kept in use by a running container,
 *   so the kubelet's image garbage collection, which never removes an image a container uses
 *   (kubernetes/kubernetes {@code pkg/kubelet/images/image_gc_manager.go}), cannot evict it.</li>
 * </ul>
 * App images need no shell: the init container {@code tools} copies the static {@code /bin/busybox} of a small helper
 * image (the playbook's cache warmer uses busybox too) into an {@code emptyDir}, and both containers run
 * {@code /deployguard/busybox sleep}. Updates surge (a new pod starts on a node before the old one stops), so the
 * images stay in use across an update.
 */
public final class PrePullDaemonSet {
    public static final String PREFIX = "deployguard-prepull-";
    /** The pods' label, valued with the app's name. */
    public static final String LABEL = "deployguard.dev/prepull";
    public static final String NEW_IMAGE = "deployguard.dev/prepull-new-image";
    public static final String ROLLBACK_IMAGE = "deployguard.dev/prepull-rollback-image";
    public static final String NEW_CONTAINER = "new";
    public static final String ROLLBACK_CONTAINER = "rollback";
    static final String TOOLS = "/deployguard";
    /** About 68 years: the containers only hold their images. */
    static final String FOREVER = "2147483647";

    private PrePullDaemonSet() {
    }

    public static String name(String app) {
        return PREFIX + app;
    }

    /**
     * @param appPod        the app's pod spec (its Deployment's template), whose placement and pull Secrets are copied
     * @param newImage      the image about to be rolled out (by digest)
     * @param rollbackImage the image serving now, or null when there is none (a first deploy) or it is the new one
     */
    public static DaemonSet build(String namespace, String app, PodSpec appPod, String newImage, String rollbackImage,
                                  String helperImage) {
        Map<String, String> selector = Map.of(LABEL, app);
        Map<String, String> labels = new LinkedHashMap<>(selector);
        labels.put("app.kubernetes.io/managed-by", "deployguard");
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(NEW_IMAGE, newImage);
        List<Container> containers = new ArrayList<>();
        containers.add(holder(NEW_CONTAINER, newImage));
        if (rollbackImage != null && !rollbackImage.equals(newImage)) {
            containers.add(holder(ROLLBACK_CONTAINER, rollbackImage));
            annotations.put(ROLLBACK_IMAGE, rollbackImage);
        }
        Container tools = new ContainerBuilder().withName("tools").withImage(helperImage)
                .withImagePullPolicy("IfNotPresent")
                .withCommand("/bin/busybox", "cp", "/bin/busybox", TOOLS + "/busybox")
                .withResources(minimal().build()).withSecurityContext(restricted())
                .addNewVolumeMount().withName("tools").withMountPath(TOOLS).endVolumeMount().build();
        Affinity affinity = appPod.getAffinity() == null || appPod.getAffinity().getNodeAffinity() == null ? null
                : new Affinity(appPod.getAffinity().getNodeAffinity(), null, null);
        return new DaemonSetBuilder()
                .withNewMetadata().withName(name(app)).withNamespace(namespace).withLabels(labels)
                .withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new IntOrString("100%")).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withNodeSelector(appPod.getNodeSelector())
                .withAffinity(affinity)
                .withTolerations(appPod.getTolerations())
                .withImagePullSecrets(appPod.getImagePullSecrets())
                .withServiceAccountName(appPod.getServiceAccountName())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(1L)
                .withInitContainers(tools)
                .withContainers(containers)
                .addNewVolume().withName("tools").withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Container holder(String name, String image) {
        return new ContainerBuilder().withName(name).withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand(TOOLS + "/busybox", "sleep", FOREVER)
                .withResources(minimal().build()).withSecurityContext(restricted())
                .addNewVolumeMount().withName("tools").withMountPath(TOOLS).withReadOnly(true).endVolumeMount()
                .build();
    }

    private static io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder minimal() {
        return new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("1m"), "memory", new Quantity("4Mi")))
                .withLimits(Map.of("cpu", new Quantity("10m"), "memory", new Quantity("16Mi")));
    }

    private static io.fabric8.kubernetes.api.model.SecurityContext restricted() {
        return new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withRunAsNonRoot(true)
                .withRunAsUser(65534L).withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().build();
    }

    /** The images the DaemonSet holds: new first, then the rollback image when there is one. */
    public static List<String> images(DaemonSet ds) {
        return ds.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
    }
}
