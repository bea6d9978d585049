package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Helm's three-way merge of an object across an upgrade or rollback ({@code kube.Client.Update} →
 * {@code createPatch} → {@code strategicpatch.CreateThreeWayMergePatch(original, target, live)} in helm/helm
 * {@code pkg/kube/client.go}): what the previous manifest set and the new one dropped is removed from the live
 * object, what the new manifest sets is written, and everything else of the live object — fields the charts never
 * set, such as {@code spec.replicas} an autoscaler or {@code kubectl scale} chose — is kept.
 * <p>
 * Lists of objects whose elements all carry a {@code name} (containers, env, ports by name, volumes) are merged
 * element by element as the strategic merge key {@code name} merges them; any other list is replaced as a whole.
 * That is where this differs from Kubernetes' strategic merge, which knows a merge key per field of each built-in
 * type ({@code containerPort}, {@code mountPath}, ...) and {@code $patch} directives: see docs/kubernetes.md.
 */
final class ThreeWayMerge {
    private ThreeWayMerge() {
    }

    /**
     * @param original the object as the previous revision's manifest rendered it ({@code null}: none, as for an
     *                 object new to the release that already exists)
     * @param live     the object as the cluster holds it now
     * @param target   the object as the new revision's manifest renders it
     * @return a new node: {@code live} patched from {@code original} to {@code target}
     */
    static JsonNode merge(JsonNode original, JsonNode live, JsonNode target) {
        JsonNode o = original == null ? MissingNode.getInstance() : original;
        if (target.isObject() && live.isObject()) {
            return mergeObjects(o.isObject() ? (ObjectNode) o : null, (ObjectNode) live, (ObjectNode) target);
        }
        if (target.isArray() && live.isArray() && byName((ArrayNode) target) && byName((ArrayNode) live)
                && (!o.isArray() || byName((ArrayNode) o))) {
            return mergeNamedLists(o.isArray() ? (ArrayNode) o : null, (ArrayNode) live, (ArrayNode) target);
        }
        return target.deepCopy();
    }

    private static ObjectNode mergeObjects(ObjectNode original, ObjectNode live, ObjectNode target) {
        ObjectNode out = live.deepCopy();
        if (original != null) {
            for (Iterator<String> it = original.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!target.has(field)) {
                    out.remove(field);
                }
            }
        }
        for (Map.Entry<String, JsonNode> e : target.properties()) {
            String field = e.getKey();
            JsonNode liveValue = live.get(field);
            if (e.getValue().isNull()) {
                out.remove(field);
            } else if (liveValue == null) {
                out.set(field, e.getValue().deepCopy());
            } else {
                out.set(field, merge(original == null ? null : original.get(field), liveValue, e.getValue()));
            }
        }
        return out;
    }

    private static ArrayNode mergeNamedLists(ArrayNode original, ArrayNode live, ArrayNode target) {
        Map<String, JsonNode> liveByName = index(live);
        Map<String, JsonNode> originalByName = original == null ? Map.of() : index(original);
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        Map<String, JsonNode> targetByName = index(target);
        for (JsonNode element : target) {
            String name = element.get("name").asText();
            JsonNode liveElement = liveByName.get(name);
            out.add(liveElement == null ? element.deepCopy()
                    : merge(originalByName.get(name), liveElement, element));
        }
        for (Map.Entry<String, JsonNode> e : liveByName.entrySet()) {
            // Kept: elements another party added (neither manifest has them); dropped: those the chart removed.
            if (!targetByName.containsKey(e.getKey()) && !originalByName.containsKey(e.getKey())) {
                out.add(e.getValue().deepCopy());
            }
        }
        return out;
    }

    private static boolean byName(ArrayNode list) {
        if (list.isEmpty()) {
            return true;
        }
        for (JsonNode element : list) {
            if (!element.isObject() || !element.path("name").isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, JsonNode> index(ArrayNode list) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        list.forEach(element -> byName.put(element.get("name").asText(), element));
        return byName;
    }
}
