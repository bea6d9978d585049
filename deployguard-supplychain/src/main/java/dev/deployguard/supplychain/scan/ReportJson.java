package dev.deployguard.supplychain.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict, located access to a report's JSON tree: a required field that is missing or of the wrong type becomes an
 * {@link UnreadableReportException} naming the file and the JSON pointer ({@code /matches/3/vulnerability/id}).
 */
final class ReportJson {
    private final Path file;
    private final String format;

    ReportJson(Path file, String format) {
        this.file = file;
        this.format = format;
    }

    JsonNode object(JsonNode parent, String at, String field) throws UnreadableReportException {
        JsonNode n = parent.path(field);
        if (!n.isObject()) {
            throw problem(at + "/" + field, n.isMissingNode() ? "is missing" : "is not an object");
        }
        return n;
    }

    /** The array at {@code field}; an absent or null field is an empty list, anything else but an array is a problem. */
    List<JsonNode> optionalArray(JsonNode parent, String at, String field) throws UnreadableReportException {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw problem(at + "/" + field, "is not an array");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    List<JsonNode> array(JsonNode parent, String at, String field) throws UnreadableReportException {
        if (parent.path(field).isMissingNode()) {
            throw problem(at + "/" + field, "is missing");
        }
        return optionalArray(parent, at, field);
    }

    String text(JsonNode parent, String at, String field) throws UnreadableReportException {
        JsonNode n = parent.path(field);
        if (!n.isTextual() || n.asText().isBlank()) {
            throw problem(at + "/" + field, n.isMissingNode() ? "is missing" : "is not a non-empty string");
        }
        return n.asText();
    }

    /** The text at {@code field}, or null when it is absent, null or not a string. */
    static String optionalText(JsonNode parent, String field) {
        JsonNode n = parent == null ? MissingNode.getInstance() : parent.path(field);
        return n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }

    Severity severity(JsonNode parent, String at, String field) throws UnreadableReportException {
        String word = text(parent, at, field);
        return Severity.parse(word).orElseThrow(() -> problem(at + "/" + field,
                "is '" + word + "', not a severity (critical, high, medium, low, negligible, unknown)"));
    }

    UnreadableReportException problem(String pointer, String what) {
        return new UnreadableReportException(format + " report " + file + ": " + pointer + " " + what);
    }

    /** {@code sha256:...} from {@code name@sha256:...}, or the value itself when it is a bare digest; else null. */
    static String digestOf(String reference) {
        if (reference == null) {
            return null;
        }
        int at = reference.lastIndexOf('@');
        String d = at >= 0 ? reference.substring(at + 1) : reference;
        return d.matches("sha256:[0-9a-f]{64}") ? d : null;
    }
}
