package dev.deployguard.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Strict reading of one section of an app (image, checks, notifications, drill, platform.kubernetes) into its own
 * raw class, with errors in the spec's format: the field path from the document root and what was expected.
 */
public final class SpecSections {
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private SpecSections() {
    }

    /**
     * Converts {@code node} (may be null: returns null) to {@code type}; on a mistake adds one problem prefixed with
     * {@code at} and returns null.
     */
    public static <T> T read(JsonNode node, Class<T> type, String at, List<String> problems) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        try {
            return STRICT.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            problems.add(join(at, path(e)) + ": unknown field '" + e.getPropertyName() + "'; expected one of: "
                    + known);
        } catch (MismatchedInputException e) {
            problems.add(join(at, path(e)) + ": " + expected(e.getTargetType()));
        } catch (JsonMappingException e) {
            problems.add(join(at, path(e)) + ": " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            problems.add(at + ": " + firstLine(e.getOriginalMessage()));
        }
        return null;
    }

    /** Parses a duration field; null text gives {@code dflt} (which may be null). */
    public static Duration duration(String text, Duration dflt, String at, List<String> problems) {
        if (text == null) {
            return dflt;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage());
            return null;
        }
    }

    private static String join(String at, String rest) {
        return rest.isEmpty() ? at : at + "." + rest;
    }

    static String path(JsonMappingException e) {
        var sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    static String expected(Class<?> type) {
        if (type == null) {
            return "unexpected value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "expected a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "expected true or false";
        }
        if (type == String.class) {
            return "expected a string";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "expected a list, e.g. [a, b]";
        }
        return "expected a mapping of fields (key: value)";
    }

    /**
     * SnakeYAML's message without its source snippets and marks: "while parsing a block mapping; expected <block end>,
     * but found '-'" instead of only the context line, which leaves out what is wrong.
     */
    static String yamlProblem(String s) {
        if (s == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String line : s.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || line.startsWith(" ") || t.startsWith("in 'reader'") || t.startsWith("at [Source")
                    || t.equals("^")) {
                continue;
            }
            parts.add(t);
        }
        return parts.isEmpty() ? firstLine(s) : String.join("; ", parts);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
