package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Correct patch semantics for {@link MockCluster}, whose own merge patch appends arrays and stores nulls: RFC 6902
 * JSON Patch, RFC 7386 JSON Merge Patch, and the simplified strategic merge of the oracles recipe (enough for what
 * kubectl and helm send). Every method returns a new document and leaves its inputs alone.
 */
final class Patches {
    private static final List<String> MERGE_KEYS = List.of("name", "containerPort", "mountPath", "port", "ip");

    private Patches() {
    }

    /** RFC 7386: objects merge recursively, {@code null} removes a key, anything else replaces. */
    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : ((ObjectNode) patch).objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), merge(out.get(e.getKey()), e.getValue()));
            }
        }
        return out;
    }

    /** A strategic merge patch, simplified: lists of objects merge by key, directives $patch and $deleteFromPrimitiveList. */
    static JsonNode strategic(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        JsonNode directive = patch.get("$patch");
        if (directive != null && directive.asText().equals("replace")) {
            ObjectNode copy = ((ObjectNode) patch).deepCopy();
            copy.remove("$patch");
            return copy;
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : ((ObjectNode) patch).objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$setElementOrder/") || key.equals("$retainKeys") || key.equals("$patch")) {
                continue;
            }
            if (key.startsWith("$deleteFromPrimitiveList/")) {
                String field = key.substring("$deleteFromPrimitiveList/".length());
                if (out.get(field) instanceof ArrayNode list) {
                    Set<JsonNode> drop = new HashSet<>();
                    value.forEach(drop::add);
                    ArrayNode kept = list.arrayNode();
                    list.forEach(v -> {
                        if (!drop.contains(v)) {
                            kept.add(v);
                        }
                    });
                    out.set(field, kept);
                }
                continue;
            }
            if (value.isNull() || (value.isObject() && "delete".equals(value.path("$patch").asText()))) {
                out.remove(key);
            } else if (value.isArray() && out.get(key) instanceof ArrayNode current) {
                out.set(key, mergeList(current, (ArrayNode) value));
            } else if (value.isObject()) {
                out.set(key, strategic(out.get(key), value));
            } else {
                out.set(key, value.deepCopy());
            }
        }
        return out;
    }

    private static JsonNode mergeList(ArrayNode current, ArrayNode patch) {
        String key = MERGE_KEYS.stream().filter(k -> patch.size() > 0 && allHave(patch, k)).findFirst().orElse(null);
        if (key == null || !allObjects(current)) {
            return patch.deepCopy();
        }
        ArrayNode out = current.deepCopy();
        for (JsonNode p : patch) {
            int at = indexOf(out, key, p.get(key));
            boolean delete = "delete".equals(p.path("$patch").asText());
            if (at >= 0 && delete) {
                out.remove(at);
            } else if (at >= 0) {
                out.set(at, strategic(out.get(at), p));
            } else if (!delete) {
                out.add(strategic(null, p));
            }
        }
        return out;
    }

    private static boolean allHave(ArrayNode list, String key) {
        for (JsonNode n : list) {
            if (!n.isObject() || !n.has(key)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allObjects(ArrayNode list) {
        for (JsonNode n : list) {
            if (!n.isObject()) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (value.equals(list.get(i).get(key))) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 6902 JSON Patch (add, remove, replace, test, copy, move). */
    static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String kind = op.path("op").asText();
            String path = op.path("path").asText();
            switch (kind) {
                case "add" -> doc = put(doc, path, op.get("value"), true);
                case "replace" -> {
                    get(doc, path);
                    doc = put(doc, path, op.get("value"), false);
                }
                case "remove" -> doc = remove(doc, path);
                case "test" -> {
                    if (!get(doc, path).equals(op.get("value"))) {
                        throw new IllegalArgumentException("test failed at " + path);
                    }
                }
                case "copy" -> doc = put(doc, path, get(doc, op.path("from").asText()).deepCopy(), true);
                case "move" -> {
                    JsonNode value = get(doc, op.path("from").asText());
                    doc = put(remove(doc, op.path("from").asText()), path, value, true);
                }
                default -> throw new IllegalArgumentException("unknown JSON Patch op '" + kind + "'");
            }
        }
        return doc;
    }

    private static List<String> tokens(String pointer) {
        List<String> out = new ArrayList<>();
        if (pointer.isEmpty()) {
            return out;
        }
        for (String t : pointer.substring(1).split("/", -1)) {
            out.add(t.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static JsonNode get(JsonNode doc, String pointer) {
        return at(doc, tokens(pointer), pointer);
    }

    private static JsonNode at(JsonNode doc, List<String> tokens, String pointer) {
        JsonNode n = doc;
        for (String t : tokens) {
            n = n.isArray() ? n.get(Integer.parseInt(t)) : n.get(t);
            if (n == null) {
                throw new IllegalArgumentException("no value at " + pointer);
            }
        }
        return n;
    }

    private static JsonNode put(JsonNode doc, String pointer, JsonNode value, boolean insert) {
        List<String> t = tokens(pointer);
        if (t.isEmpty()) {
            return value.deepCopy();
        }
        ContainerNode<?> parent = (ContainerNode<?>) at(doc, t.subList(0, t.size() - 1), pointer);
        String last = t.get(t.size() - 1);
        if (parent instanceof ArrayNode list) {
            if (last.equals("-")) {
                list.add(value.deepCopy());
            } else if (insert) {
                list.insert(Integer.parseInt(last), value.deepCopy());
            } else {
                list.set(Integer.parseInt(last), value.deepCopy());
            }
        } else {
            ((ObjectNode) parent).set(last, value.deepCopy());
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, String pointer) {
        List<String> t = tokens(pointer);
        JsonNode parent = at(doc, t.subList(0, t.size() - 1), pointer);
        String last = t.get(t.size() - 1);
        JsonNode removed = parent instanceof ArrayNode list ? list.remove(Integer.parseInt(last))
                : ((ObjectNode) parent).remove(last);
        if (removed == null) {
            throw new IllegalArgumentException("no value to remove at " + pointer);
        }
        return doc;
    }
}
