package dev.deployguard.server.request;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.json.Json;
import dev.deployguard.spec.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The JSON object of a POST request, read field by field with the type each endpoint expects. A field of the wrong
 * type or a field the endpoint does not know is refused (bad input) naming the field, what was expected and what
 * came, instead of being read as something else: {@code "versions": "v1,v2"} must not become "no versions given"
 * and start a drill of the spec's default versions. A JSON {@code null} is the same as an absent field.
 */
public final class JsonBody {
    private final JsonNode object;
    private final String where;

    private JsonBody(JsonNode object, String where) {
        this.object = object;
        this.where = where;
    }

    /** An empty body is an empty object; anything but a JSON object is refused. */
    public static JsonBody parse(String text, String endpoint) {
        if (text == null || text.isBlank()) {
            return new JsonBody(Json.mapper().createObjectNode(), endpoint);
        }
        JsonNode n;
        try {
            // Trailing text and a field given twice are refused: which of the two values was meant is unknown.
            n = Json.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw DeployGuardException.badInput("malformed JSON in the body of " + endpoint + ": "
                    + e.getOriginalMessage() + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        }
        if (n == null || !n.isObject()) {
            throw DeployGuardException.badInput("the body of " + endpoint + " must be a JSON object, got "
                    + kind(n));
        }
        return new JsonBody(n, endpoint);
    }

    /** For tests and callers that already hold a parsed object. */
    public static JsonBody of(JsonNode object, String endpoint) {
        if (object == null || !object.isObject()) {
            throw DeployGuardException.badInput("the body of " + endpoint + " must be a JSON object, got "
                    + kind(object));
        }
        return new JsonBody(object, endpoint);
    }

    /** Refuses fields other than these (a misspelt field would otherwise be silently ignored). */
    public JsonBody allowOnly(String... fields) {
        Set<String> known = Set.of(fields);
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw DeployGuardException.badInput("unknown field '" + f + "' in the body of " + where
                        + "; it takes " + (fields.length == 0 ? "no fields" : String.join(", ", List.of(fields))));
            }
        }
        return this;
    }

    private JsonNode get(String field) {
        JsonNode n = object.get(field);
        return n == null || n.isNull() ? null : n;
    }

    private DeployGuardException wrongType(String field, String expected, JsonNode got) {
        return DeployGuardException.badInput("'" + field + "' in the body of " + where + " must be " + expected
                + ", got " + kind(got) + " " + clip(got.toString()));
    }

    /** A string field, or null when absent. */
    public String string(String field) {
        JsonNode n = get(field);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw wrongType(field, "a string", n);
        }
        return n.textValue();
    }

    /** A string field that must be there and not blank; {@code example} shows a valid value. */
    public String requiredString(String field, String example) {
        String s = string(field);
        if (s == null || s.isBlank()) {
            throw DeployGuardException.badInput("'" + field + "' is required in the body of " + where + ", e.g. {\""
                    + field + "\": " + example + "}");
        }
        return s;
    }

    public boolean bool(String field, boolean absent) {
        JsonNode n = get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw wrongType(field, "true or false", n);
        }
        return n.booleanValue();
    }

    /** A whole number at least {@code min}, or null when absent. */
    public Integer integer(String field, int min) {
        JsonNode n = get(field);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min) {
            throw wrongType(field, "a whole number of at least " + min, n);
        }
        return n.intValue();
    }

    /** A duration such as "30s" or "1m30s", or null when absent. */
    public Duration duration(String field) {
        String s = string(field);
        if (s == null) {
            return null;
        }
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput("'" + field + "' in the body of " + where + ": " + e.getMessage());
        }
    }

    /** An array of strings; empty when absent. */
    public List<String> strings(String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array(field, "an array of strings")) {
            if (!n.isTextual()) {
                throw wrongType(field, "an array of strings", object.get(field));
            }
            out.add(n.textValue());
        }
        return out;
    }

    /** An array of objects, each read with the same rules; empty when absent. */
    public List<JsonBody> objects(String field) {
        List<JsonBody> out = new ArrayList<>();
        int i = 0;
        for (JsonNode n : array(field, "an array of objects")) {
            if (!n.isObject()) {
                throw wrongType(field, "an array of objects", object.get(field));
            }
            out.add(new JsonBody(n, where + " (" + field + "[" + i++ + "])"));
        }
        return out;
    }

    private List<JsonNode> array(String field, String expected) {
        JsonNode n = get(field);
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw wrongType(field, expected, n);
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    @Override
    public String toString() {
        return object.toString();
    }

    private static String kind(JsonNode n) {
        if (n == null || n.getNodeType() == JsonNodeType.MISSING) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
