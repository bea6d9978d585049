package dev.deployguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/** The {@code -o table|json} option shared by commands that print data. */
final class Output {
    enum Format { table, json }

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "Output format: ${COMPLETION-CANDIDATES}")
    Format format;

    boolean json() {
        return format == Format.json;
    }

    static String pretty(JsonNode n) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            return n.toString();
        }
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    static String when(JsonNode iso) {
        if (iso == null || iso.isNull() || iso.isMissingNode()) {
            return "";
        }
        try {
            return WHEN.format(Instant.parse(iso.asText()));
        } catch (RuntimeException e) {
            return iso.asText();
        }
    }
}
