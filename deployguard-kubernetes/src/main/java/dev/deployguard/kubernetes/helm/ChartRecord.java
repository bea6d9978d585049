package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deployguard.error.DeployGuardException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code chart} part of a release record, built from a chart directory the way helm's loader fills
 * {@code chart.Chart}: {@code metadata} (Chart.yaml), {@code lock}, {@code templates} and {@code files} (name and
 * base64 data, in helm's walk order), {@code values} (values.yaml) and {@code schema}. Also the user-supplied
 * values ({@code config}) from values files, merged as helm merges {@code -f} files.
 */
final class ChartRecord {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Files the loader consumes itself rather than keeping in {@code files}. */
    private static final Set<String> OWN_FILES = Set.of("Chart.yaml", "Chart.lock", "values.yaml",
            "values.schema.json", "requirements.yaml", "requirements.lock");

    private ChartRecord() {
    }

    static ObjectNode of(Path chartDir) {
        ChartRenderer.requireChartDir(chartDir);
        List<PathMatcher> ignored = helmignore(chartDir);
        ObjectNode chart = NODES.objectNode();
        chart.set("metadata", yamlObject(chartDir.resolve("Chart.yaml")));
        Path lock = chartDir.resolve("Chart.lock");
        chart.set("lock", Files.isRegularFile(lock) ? yamlObject(lock) : NullNode.getInstance());
        ArrayNode templates = NODES.arrayNode();
        ArrayNode files = NODES.arrayNode();
        for (Path file : walk(chartDir, chartDir, ignored)) {
            String name = chartDir.relativize(file).toString().replace('\\', '/');
            if (name.startsWith("charts/") || OWN_FILES.contains(name)) {
                continue;
            }
            (name.startsWith("templates/") ? templates : files).add(file(name, read(file)));
        }
        chart.set("templates", templates);
        Path values = chartDir.resolve("values.yaml");
        chart.set("values", Files.isRegularFile(values) ? yamlObject(values) : NODES.objectNode());
        Path schema = chartDir.resolve("values.schema.json");
        chart.set("schema", Files.isRegularFile(schema)
                ? NODES.textNode(Base64.getEncoder().encodeToString(read(schema))) : NullNode.getInstance());
        chart.set("files", files.isEmpty() ? NullNode.getInstance() : files);
        return chart;
    }

    /** The values the user supplied: the values files deep-merged in order (later files win); null when none. */
    static JsonNode userValues(List<Path> valuesFiles) {
        if (valuesFiles.isEmpty()) {
            return null;
        }
        ObjectNode merged = NODES.objectNode();
        for (Path f : valuesFiles) {
            merge(merged, yamlObject(f));
        }
        return merged;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        for (Map.Entry<String, JsonNode> e : from.properties()) {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode target && e.getValue() instanceof ObjectNode source) {
                merge(target, source);
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    private static ObjectNode file(String name, byte[] data) {
        ObjectNode f = NODES.objectNode();
        f.put("name", name);
        f.put("data", Base64.getEncoder().encodeToString(data));
        return f;
    }

    /** Regular files below {@code dir}, depth first with names sorted in each directory, as Go's filepath.Walk. */
    private static List<Path> walk(Path root, Path dir, List<PathMatcher> ignored) {
        List<Path> out = new ArrayList<>();
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
        for (Path p : entries) {
            Path rel = root.relativize(p);
            if (ignored.stream().anyMatch(m -> m.matches(rel) || m.matches(rel.getFileName()))) {
                continue;
            }
            if (Files.isDirectory(p)) {
                out.addAll(walk(root, p, ignored));
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The plain patterns of .helmignore, matched against the path in the chart and the file name ({@code dir/}
     * patterns match the directory; negations are not supported and ignored).
     */
    private static List<PathMatcher> helmignore(Path chartDir) {
        Path f = chartDir.resolve(".helmignore");
        if (!Files.isRegularFile(f)) {
            return List.of();
        }
        List<PathMatcher> matchers = new ArrayList<>();
        for (String line : new String(read(f), StandardCharsets.UTF_8).split("\n")) {
            String p = line.strip();
            if (p.isEmpty() || p.startsWith("#") || p.startsWith("!")) {
                continue;
            }
            if (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + p));
        }
        return matchers;
    }

    private static ObjectNode yamlObject(Path file) {
        JsonNode node;
        try {
            node = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw DeployGuardException.badInput("Chart file " + file + " is not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse("") + ". Fix it (helm lint shows the same).");
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return NODES.objectNode();
        }
        if (!(node instanceof ObjectNode object)) {
            throw DeployGuardException.badInput("Chart file " + file + " must hold a YAML mapping, not "
                    + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ".");
        }
        return object;
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw unreadable(f, e);
        }
    }

    private static DeployGuardException unreadable(Path p, IOException e) {
        return DeployGuardException.badInput("Chart file " + p + " cannot be read: " + e.getMessage() + ".");
    }
}
