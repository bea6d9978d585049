package dev.deployguard.server.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A tiny JSONPath subset for picking one value out of a response: an optional leading {@code $}, then fields
 * ({@code .name}, or {@code name} at the start) and array indexes ({@code [0]}). Examples: {@code $.canary.errors},
 * {@code data[0].value}, {@code $.result[1][0]}.
 */
public final class JsonPath {
    private final String text;
    private final List<Object> steps; // String field or Integer index

    private JsonPath(String text, List<Object> steps) {
        this.text = text;
        this.steps = steps;
    }

    /** @throws IllegalArgumentException when the path is not in the supported subset */
    public static JsonPath parse(String path) {
        Objects.requireNonNull(path, "path");
        String p = path.strip();
        int i = 0;
        if (p.startsWith("$")) {
            i = 1;
        }
        List<Object> steps = new ArrayList<>();
        boolean first = true;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '[') {
                int close = p.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed '[' in path '" + path + "'");
                }
                String index = p.substring(i + 1, close).strip();
                if (!index.matches("\\d+")) {
                    throw new IllegalArgumentException("array index must be a non-negative integer in path '"
                            + path + "', was '" + index + "'");
                }
                steps.add(Integer.valueOf(index));
                i = close + 1;
            } else {
                if (c == '.') {
                    i++;
                } else if (!(first && i == 0)) {
                    throw new IllegalArgumentException("expected '.' or '[' at position " + i + " in path '"
                            + path + "'");
                }
                int startOfName = i;
                while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
                    i++;
                }
                String name = p.substring(startOfName, i);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("empty field name at position " + startOfName + " in path '"
                            + path + "'");
                }
                steps.add(name);
            }
            first = false;
        }
        return new JsonPath(path, List.copyOf(steps));
    }

    /**
     * The node at this path.
     *
     * @throws IllegalArgumentException saying which step found nothing
     */
    public JsonNode select(JsonNode root) {
        JsonNode node = root;
        StringBuilder walked = new StringBuilder("$");
        for (Object step : steps) {
            if (step instanceof Integer index) {
                if (!node.isArray()) {
                    throw new IllegalArgumentException(walked + " is " + kind(node) + ", not an array");
                }
                if (index >= node.size()) {
                    throw new IllegalArgumentException(walked + " has " + node.size() + " elements, no [" + index
                            + "]");
                }
                node = node.get(index);
                walked.append('[').append(index).append(']');
            } else {
                String field = (String) step;
                if (!node.isObject()) {
                    throw new IllegalArgumentException(walked + " is " + kind(node) + ", not an object");
                }
                if (!node.has(field)) {
                    throw new IllegalArgumentException(walked + " has no field '" + field + "'");
                }
                node = node.get(field);
                walked.append('.').append(field);
            }
        }
        return node;
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case NULL, MISSING -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case BINARY -> "binary";
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
