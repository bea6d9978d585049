package dev.deployguard.kubernetes.deployment;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.client.ApiFailures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code kubectl set image} plus a change-cause: one container's image replaced and the reason recorded, in one
 * update guarded by the resourceVersion (409 conflicts re-read and retry). The template change makes the Deployment
 * controller start a new revision.
 */
public final class DeploymentUpdate {
    private final KubernetesClient client;
    private final DeploymentLookup lookup;
    private final KubernetesSerialization serialization;

    public DeploymentUpdate(KubernetesClient client) {
        this.client = client;
        this.lookup = new DeploymentLookup(client);
        this.serialization = client.getKubernetesSerialization();
    }

    /**
     * What an image update did.
     *
     * @param changed       false when the container already ran {@code image} (nothing written)
     * @param previousImage the image before
     * @param fromRevision  the Deployment's revision before
     * @param generation    the Deployment's generation after the update (wait for it to be observed)
     */
    public record Result(boolean changed, String previousImage, long fromRevision, long generation) {
    }

    /**
     * Sets {@code image} on {@code container} (null: the first container) of {@code namespace/name}.
     *
     * @param changeCause recorded as {@code kubernetes.io/change-cause}; it becomes the new revision's
     */
    public Result setImage(String namespace, String name, String container, String image, String changeCause,
                           String actor) {
        for (int attempt = 1; ; attempt++) {
            Deployment d = lookup.get(namespace, name);
            Deployment updated = serialization.clone(d);
            Container target = container(updated, container, namespace, name);
            String previous = target.getImage();
            long from = DeploymentRollback.revisionOf(d);
            if (image.equals(previous)) {
                return new Result(false, previous, from, d.getMetadata().getGeneration());
            }
            target.setImage(image);
            Map<String, String> annotations = new LinkedHashMap<>(d.getMetadata().getAnnotations() == null
                    ? Map.of() : d.getMetadata().getAnnotations());
            annotations.keySet().removeAll(Annotations.OPERATION_RECORD);
            if (changeCause != null && !changeCause.isBlank()) {
                annotations.put(Annotations.CHANGE_CAUSE, changeCause);
            } else {
                annotations.remove(Annotations.CHANGE_CAUSE);
            }
            annotations.put(Annotations.DEPLOYED_BY, actor);
            updated.getMetadata().setAnnotations(annotations);
            try {
                Deployment after = client.apps().deployments().inNamespace(namespace).resource(updated).update();
                return new Result(true, previous, from, after.getMetadata().getGeneration());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < DeploymentRollback.MAX_ATTEMPTS) {
                    continue;
                }
                if (e.getCode() == 409) {
                    throw new DeployGuardException(ExitCode.FAILURE, "deployment \"" + name + "\" in namespace \""
                            + namespace + "\" changed under us " + DeploymentRollback.MAX_ATTEMPTS + " times in a"
                            + " row (409 conflict); the image was not changed; try again", e);
                }
                throw ApiFailures.translate(e, new ApiFailures.Call("update", "deployments.apps", namespace, name),
                        client);
            }
        }
    }

    private static Container container(Deployment d, String name, String namespace, String deployment) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        if (containers.isEmpty()) {
            throw DeployGuardException.badInput("deployment \"" + deployment + "\" in namespace \"" + namespace
                    + "\" has no containers");
        }
        if (name == null) {
            return containers.get(0);
        }
        return containers.stream().filter(c -> name.equals(c.getName())).findFirst().orElseThrow(() ->
                DeployGuardException.badInput("deployment \"" + deployment + "\" in namespace \"" + namespace
                        + "\" has no container \"" + name + "\"; its containers: " + containers.stream()
                        .map(Container::getName).collect(Collectors.joining(", "))
                        + " (set platform.kubernetes.container)"));
    }
}
