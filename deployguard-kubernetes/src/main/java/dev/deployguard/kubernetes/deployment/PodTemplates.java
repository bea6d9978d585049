package dev.deployguard.kubernetes.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Pod template comparison as the Deployment controller and kubectl do it ({@code EqualIgnoreHash}): equal when
 * they match after dropping the {@code pod-template-hash} label. Null and empty values count as absent, because a
 * template read back from a ReplicaSet and one written by a client may differ only in defaulted empties.
 */
final class PodTemplates {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PodTemplates() {
    }

    static boolean sameIgnoringHash(KubernetesSerialization serialization, PodTemplateSpec a, PodTemplateSpec b) {
        return normalized(serialization, a).equals(normalized(serialization, b));
    }

    /** A deep copy of {@code template} without the pod-template-hash label, ready to go back into a Deployment. */
    static PodTemplateSpec withoutHash(KubernetesSerialization serialization, PodTemplateSpec template) {
        PodTemplateSpec copy = serialization.clone(template);
        if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
            copy.getMetadata().getLabels().remove(Annotations.POD_TEMPLATE_HASH);
        }
        return copy;
    }

    private static JsonNode normalized(KubernetesSerialization serialization, PodTemplateSpec template) {
        try {
            JsonNode tree = JSON.readTree(serialization.asJson(template));
            if (tree.path("metadata").path("labels") instanceof ObjectNode labels) {
                labels.remove(Annotations.POD_TEMPLATE_HASH);
            }
            return prune(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode prune(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = ((ObjectNode) n).objectNode();
            n.properties().forEach(e -> {
                JsonNode v = prune(e.getValue());
                if (!v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
                    out.set(e.getKey(), v);
                }
            });
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = ((ArrayNode) n).arrayNode();
            n.forEach(v -> out.add(prune(v)));
            return out;
        }
        return n;
    }
}
