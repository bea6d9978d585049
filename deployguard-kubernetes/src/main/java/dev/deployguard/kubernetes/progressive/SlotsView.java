package dev.deployguard.kubernetes.progressive;

import dev.deployguard.kubernetes.deployment.Annotations;
import dev.deployguard.kubernetes.progressive.KubernetesBlueGreen.Slot;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.List;
import java.util.Map;

/**
 * What the cluster shows of an app's blue/green slots at one moment (what {@code kubectl argo rollouts get rollout}
 * shows for active and preview): the slot each Service selects and each slot Deployment's image and replicas.
 *
 * @param active         the slot the app's Service selects; null while it selects no slot (before the first deploy)
 * @param previewExists  whether {@code <service>-preview} exists
 * @param preview        the slot the preview Service selects; null when it selects none or does not exist
 * @param slots          the slot Deployments that exist, blue first
 */
public record SlotsView(String namespace, String service, String previewService, Slot active, boolean previewExists,
                        Slot preview, List<SlotState> slots) {
    public SlotsView {
        slots = List.copyOf(slots);
    }

    /**
     * One slot's Deployment.
     *
     * @param revision           the app's revision the slot runs ({@code deployguard.dev/revision}); null when the
     *                           slot was written before DeployGuard recorded it
     * @param deploymentRevision the slot Deployment's own revision ({@code deployment.kubernetes.io/revision}); 0
     *                           before the controller set it
     * @param desired            {@code spec.replicas}
     * @param rolledOut          every desired replica runs the current template and is available
     */
    public record SlotState(Slot slot, String deployment, String image, Integer revision, String changeCause,
                            String deployedBy, long deploymentRevision, int desired, int ready, int available,
                            int updated, boolean rolledOut) {

        static SlotState of(Slot slot, Deployment d, String container) {
            Map<String, String> a = d.getMetadata().getAnnotations() == null ? Map.of()
                    : d.getMetadata().getAnnotations();
            String image = d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> container == null || container.equals(c.getName()))
                    .map(Container::getImage).findFirst().orElse("");
            DeploymentStatus s = d.getStatus();
            return new SlotState(slot, d.getMetadata().getName(), image, number(a.get(Labels.REVISION)),
                    a.get(Labels.CHANGE_CAUSE), a.get(Labels.DEPLOYED_BY),
                    number(a.get(Annotations.REVISION)) == null ? 0 : number(a.get(Annotations.REVISION)),
                    d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas(),
                    s == null ? 0 : orZero(s.getReadyReplicas()), s == null ? 0 : orZero(s.getAvailableReplicas()),
                    s == null ? 0 : orZero(s.getUpdatedReplicas()), Workloads.rolledOut(d));
        }

        static Integer number(String text) {
            try {
                return text == null ? null : Integer.valueOf(text.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static int orZero(Integer i) {
            return i == null ? 0 : i;
        }
    }
}
