package dev.deployguard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.deployguard.json.Json;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The {@code -o table|json|yaml} option every read command shares (a picocli mixin), and the one place that
 * renders an API answer in the chosen format: json and yaml print the control plane's answer as it is, table is
 * the command's own view for people.
 */
final class Output {
    /** The formats; {@code table} is the default and the one meant for people. */
    enum Format { table, json, yaml }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES));

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Format format = Format.table;

    /** True for the machine-readable formats (json, yaml): progress stays off the terminal then. */
    boolean machineReadable() {
        return format != Format.table;
    }

    /** Prints {@code answer} as json or yaml, or the table the command builds from it. */
    void print(JsonNode answer, Supplier<String> table) {
        String text = switch (format) {
            case json -> pretty(answer) + "\n";
            case yaml -> yaml(answer);
            case table -> table.get();
        };
        System.out.print(text);
        System.out.flush();
    }

    static String pretty(JsonNode n) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            return n.toString();
        }
    }

    static String yaml(JsonNode n) {
        try {
            return YAML.writeValueAsString(n);
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
