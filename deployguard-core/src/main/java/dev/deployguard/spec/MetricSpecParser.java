// Over 400 lines: Argo's and Flagger's metric grammar: providers, conditions, limits, templates.
package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.metric.AnalysisTemplate;
import dev.deployguard.analysis.metric.Condition;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.Provider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates custom metrics: an analysis's {@code metrics:} and {@code templates:} (with {@code args:}) and the
 * spec's top-level {@code analysisTemplates:}, each problem with its path, before anything deploys.
 */
final class MetricSpecParser {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Set<String> METRIC_FIELDS = Set.of("name", "provider", "relative", "direction", "weight",
            "critical", "successCondition", "failureCondition", "count", "interval", "initialDelay", "failureLimit",
            "consecutiveSuccessLimit", "consecutiveErrorLimit", "inconclusiveLimit", "dryRun");
    private static final Set<String> PROVIDERS = Set.of("router", "prometheus", "web");

    private MetricSpecParser() {
    }

    /** The spec's {@code analysisTemplates:}: a map from template name to {@code {args, metrics}}. */
    static Map<String, AnalysisTemplate> templates(JsonNode node, String at, List<String> problems) {
        Map<String, AnalysisTemplate> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            problems.add(at + ": expected a map from template name to {args, metrics}");
            return out;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String here = at + "." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                problems.add(here + ": a template name is lowercase letters, digits and '-'");
            }
            JsonNode t = e.getValue();
            if (!t.isObject()) {
                problems.add(here + ": expected {args, metrics}");
                continue;
            }
            for (Iterator<String> f = t.fieldNames(); f.hasNext(); ) {
                String name = f.next();
                if (!name.equals("args") && !name.equals("metrics")) {
                    problems.add(here + ": unknown field '" + name + "'; expected one of: args, metrics");
                }
            }
            Map<String, String> args = args(t.get("args"), here + ".args", true, problems);
            if (t.get("metrics") == null || !t.get("metrics").isArray() || t.get("metrics").isEmpty()) {
                problems.add(here + ".metrics: expected a list of at least one metric");
                continue;
            }
            out.put(e.getKey(), new AnalysisTemplate(e.getKey(), args, t.get("metrics")));
        }
        return out;
    }

    /**
     * An analysis's metrics: its own {@code metrics:} and those of each template it references, with the
     * analysis's {@code args:} substituted.
     */
    static List<MetricDefinition> metrics(JsonNode metrics, JsonNode templateRefs, JsonNode argsNode,
                                          Map<String, AnalysisTemplate> templates, String at,
                                          List<String> problems) {
        List<MetricDefinition> out = new ArrayList<>();
        if (metrics != null && !metrics.isNull()) {
            if (!metrics.isArray()) {
                problems.add(at + ".metrics: expected a list of metrics");
            } else {
                for (int i = 0; i < metrics.size(); i++) {
                    add(out, metric(metrics.get(i), at + ".metrics[" + i + "]", problems));
                }
            }
        }
        Map<String, String> values = args(argsNode, at + ".args", false, problems);
        if (templateRefs != null && !templateRefs.isNull()) {
            if (!templateRefs.isArray()) {
                problems.add(at + ".templates: expected a list of {templateName: NAME}");
                return out;
            }
            for (int i = 0; i < templateRefs.size(); i++) {
                String here = at + ".templates[" + i + "]";
                JsonNode ref = templateRefs.get(i);
                String name = ref.path("templateName").asText(null);
                if (name == null) {
                    problems.add(here + ".templateName: missing; expected the name of one of analysisTemplates");
                    continue;
                }
                AnalysisTemplate t = templates.get(name);
                if (t == null) {
                    problems.add(here + ".templateName: unknown template '" + name + "'; "
                            + (templates.isEmpty() ? "the spec has no analysisTemplates"
                            : "expected one of: " + String.join(", ", templates.keySet())));
                    continue;
                }
                Map<String, String> bound = new LinkedHashMap<>(t.args());
                values.forEach((k, v) -> {
                    if (t.args().containsKey(k)) {
                        bound.put(k, v);
                    }
                });
                List<String> missing = bound.entrySet().stream().filter(e -> e.getValue() == null)
                        .map(Map.Entry::getKey).toList();
                if (!missing.isEmpty()) {
                    problems.add(at + ".args: template '" + name + "' needs a value for " + String.join(", ", missing)
                            + "; add {name: " + missing.get(0) + ", value: ...} to the analysis's args");
                    continue;
                }
                List<String> unknown = new ArrayList<>();
                JsonNode body = substitute((JsonNode) t.metrics(), bound, unknown);
                if (!unknown.isEmpty()) {
                    problems.add("analysisTemplates." + name + ": {{args." + unknown.get(0)
                            + "}} names no argument of the template; declare it under args");
                    continue;
                }
                for (int j = 0; j < body.size(); j++) {
                    add(out, metric(body.get(j), here + " (analysisTemplates." + name + ".metrics[" + j + "])",
                            problems));
                }
            }
        }
        Set<String> seen = new HashSet<>();
        for (MetricDefinition m : out) {
            if (!seen.add(m.name())) {
                problems.add(at + ": duplicate metric name '" + m.name() + "' (metric names are unique per analysis,"
                        + " templates included)");
            }
        }
        return out;
    }

    private static void add(List<MetricDefinition> out, MetricDefinition m) {
        if (m != null) {
            out.add(m);
        }
    }

    static MetricDefinition metric(JsonNode n, String at, List<String> problems) {
        if (n == null || !n.isObject()) {
            problems.add(at + ": expected a metric {name, provider, ...}");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> f = n.fieldNames(); f.hasNext(); ) {
            String name = f.next();
            if (!METRIC_FIELDS.contains(name)) {
                problems.add(at + ": unknown field '" + name + "'; expected one of: "
                        + String.join(", ", METRIC_FIELDS.stream().sorted().toList()));
            }
        }
        String name = n.path("name").asText(null);
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(at + ".name: expected a name of lowercase letters, digits and '-', got " + n.get("name"));
        }
        boolean relative = bool(n, "relative", false, at, problems);
        Provider provider = provider(n.get("provider"), at + ".provider", relative, problems);
        MetricDirection direction = MetricDirection.EITHER; // Kayenta's default: the conditions alone decide
        if (n.has("direction")) {
            String d = n.get("direction").asText();
            switch (d) {
                case "increase" -> direction = MetricDirection.INCREASE;
                case "decrease" -> direction = MetricDirection.DECREASE;
                case "either" -> direction = MetricDirection.EITHER;
                default -> problems.add(at + ".direction: expected increase (higher is bad), decrease (lower is"
                        + " bad) or either, got '" + d + "'");
            }
        }
        double weight = n.has("weight") ? number(n.get("weight"), at + ".weight", problems) : 1.0;
        if (!(weight > 0)) {
            problems.add(at + ".weight: expected a positive number, got " + n.get("weight"));
        }
        boolean critical = bool(n, "critical", false, at, problems);
        boolean dryRun = bool(n, "dryRun", false, at, problems);
        // A router measure or a value compared per track is one number: type-check conditions for that.
        boolean scalar = relative || provider instanceof Provider.Router;
        Condition success = condition(n.get("successCondition"), at + ".successCondition", scalar, problems);
        Condition failure = condition(n.get("failureCondition"), at + ".failureCondition", scalar, problems);
        Integer count = integer(n, "count", null, at, problems);
        Duration interval = duration(n, "interval", at, problems);
        Duration initialDelay = duration(n, "initialDelay", at, problems);
        int failureLimit = integer(n, "failureLimit", 0, at, problems);
        int successLimit = integer(n, "consecutiveSuccessLimit", 0, at, problems);
        int errorLimit = integer(n, "consecutiveErrorLimit", MetricDefinition.DEFAULT_CONSECUTIVE_ERROR_LIMIT, at,
                problems);
        int inconclusiveLimit = integer(n, "inconclusiveLimit", 0, at, problems);
        limits(count == null ? 0 : count, interval, failureLimit, successLimit, errorLimit, inconclusiveLimit, at,
                problems);
        if (problems.size() > before) {
            return null;
        }
        return new MetricDefinition(name, provider, relative, direction, weight, critical, success, failure, count,
                interval, initialDelay, failureLimit, successLimit, errorLimit, inconclusiveLimit, dryRun);
    }

    // Argo Rollouts' own validation of a metric's limits, with its messages' meaning.
    private static void limits(int count, Duration interval, int failureLimit, int successLimit, int errorLimit,
                               int inconclusiveLimit, String at, List<String> problems) {
        if (count < 0) {
            problems.add(at + ".count: expected 0 (as long as the analysis runs) or more");
        }
        if (successLimit < 0) {
            problems.add(at + ".consecutiveSuccessLimit: must be >= 0");
        }
        if (failureLimit < -1) {
            problems.add(at + ".failureLimit: must be >= 0, or -1 to be disabled");
        }
        if (successLimit == 0 && failureLimit == -1) {
            problems.add(at + ": failureLimit and consecutiveSuccessLimit cannot both be disabled");
        }
        if (inconclusiveLimit < 0) {
            problems.add(at + ".inconclusiveLimit: must be >= 0");
        }
        if (errorLimit < 0) {
            problems.add(at + ".consecutiveErrorLimit: must be >= 0");
        }
        if (count > 0) {
            if (successLimit >= 0 && failureLimit >= 0 && count < failureLimit + successLimit) {
                problems.add(at + ".count: " + count + " must be >= failureLimit + consecutiveSuccessLimit ("
                        + failureLimit + " + " + successLimit + ")");
            } else if (successLimit >= 0 && failureLimit < 0 && count < successLimit) {
                problems.add(at + ".count: must be >= consecutiveSuccessLimit (" + successLimit + ")");
            }
            if (count < inconclusiveLimit) {
                problems.add(at + ".count: must be >= inconclusiveLimit (" + inconclusiveLimit + ")");
            }
        }
        if (count > 1 && interval == null) {
            problems.add(at + ".interval: must be specified when count > 1");
        }
    }

    private static Provider provider(JsonNode n, String at, boolean relative, List<String> problems) {
        if (n == null || !n.isObject() || n.size() != 1) {
            problems.add(at + ": expected exactly one provider: router, prometheus or web");
            return null;
        }
        String kind = n.fieldNames().next();
        JsonNode p = n.get(kind);
        if (!PROVIDERS.contains(kind)) {
            problems.add(at + ": unknown provider '" + kind + "'; expected one of: router, prometheus, web");
            return null;
        }
        String here = at + "." + kind;
        switch (kind) {
            case "router" -> {
                String measure = p.path("measure").asText(null);
                if (measure == null || !Provider.Router.MEASURES.contains(measure)) {
                    problems.add(here + ".measure: expected one of "
                            + String.join(", ", Provider.Router.MEASURES.stream().sorted().toList())
                            + ", got " + p.get("measure"));
                    return null;
                }
                return new Provider.Router(measure);
            }
            case "prometheus" -> {
                String address = text(p, "address", here, problems);
                String query = text(p, "query", here, problems);
                if (query != null && relative && !query.contains("{{track}}")) {
                    problems.add(here + ".query: a relative metric is measured per track; write {{track}} where"
                            + " the query selects the track (for example track=\"{{track}}\")");
                }
                return address == null || query == null ? null : new Provider.Prometheus(address, query);
            }
            default -> {
                String url = text(p, "url", here, problems);
                String jsonPath = p.has("jsonPath") ? p.get("jsonPath").asText() : "";
                if (!jsonPath.isEmpty() && !jsonPath.startsWith("/") && !jsonPath.startsWith("$")) {
                    problems.add(here + ".jsonPath: expected a JSON pointer (/data/value) or $.data.value");
                }
                if (url != null && relative && !url.contains("{{track}}")) {
                    problems.add(here + ".url: a relative metric is measured per track; write {{track}} in the url");
                }
                return url == null ? null : new Provider.Web(url, jsonPath);
            }
        }
    }

    private static Condition condition(JsonNode n, String at, boolean scalar, List<String> problems) {
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return Condition.parse(n.asText(), scalar);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage() + (scalar ? " (result is one number here)" : ""));
            return null;
        }
    }

    private static Map<String, String> args(JsonNode n, String at, boolean defaults, List<String> problems) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            problems.add(at + ": expected a list of {name, value}");
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode a = n.get(i);
            String name = a.path("name").asText(null);
            if (name == null) {
                problems.add(at + "[" + i + "].name: missing");
                continue;
            }
            JsonNode v = a.get("value");
            if (v == null && !defaults) {
                problems.add(at + "[" + i + "].value: missing; expected the value for argument " + name);
                continue;
            }
            out.put(name, v == null ? null : v.asText());
        }
        return out;
    }

    private static JsonNode substitute(JsonNode n, Map<String, String> values, List<String> unknown) {
        if (n.isTextual()) {
            return JsonNodeFactory.instance.textNode(AnalysisTemplate.substitute(n.asText(), values, unknown));
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            n.forEach(e -> out.add(substitute(e, values, unknown)));
            return out;
        }
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            n.properties().forEach(e -> out.set(e.getKey(), substitute(e.getValue(), values, unknown)));
            return out;
        }
        return n;
    }

    private static String text(JsonNode p, String field, String at, List<String> problems) {
        JsonNode v = p == null ? null : p.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            problems.add(at + "." + field + ": missing");
            return null;
        }
        return v.asText();
    }

    private static boolean bool(JsonNode n, String field, boolean dflt, String at, List<String> problems) {
        JsonNode v = n.get(field);
        if (v == null) {
            return dflt;
        }
        String s = v.asText().toLowerCase(Locale.ROOT);
        if (v.isBoolean() || s.equals("true") || s.equals("false")) {
            return v.isBoolean() ? v.asBoolean() : Boolean.parseBoolean(s);
        }
        problems.add(at + "." + field + ": expected true or false, got " + v);
        return dflt;
    }

    private static Integer integer(JsonNode n, String field, Integer dflt, String at, List<String> problems) {
        JsonNode v = n.get(field);
        if (v == null) {
            return dflt;
        }
        try {
            // Template arguments arrive as text: "{{args.limit}}" becomes "3".
            return v.isIntegralNumber() ? v.intValue() : Integer.parseInt(v.asText().trim());
        } catch (NumberFormatException e) {
            problems.add(at + "." + field + ": expected a whole number, got " + v);
            return dflt;
        }
    }

    private static double number(JsonNode v, String at, List<String> problems) {
        try {
            return v.isNumber() ? v.doubleValue() : Double.parseDouble(v.asText().trim());
        } catch (NumberFormatException e) {
            problems.add(at + ": expected a number, got " + v);
            return Double.NaN;
        }
    }

    private static Duration duration(JsonNode n, String field, String at, List<String> problems) {
        JsonNode v = n.get(field);
        if (v == null) {
            return null;
        }
        try {
            return Durations.parse(v.asText());
        } catch (IllegalArgumentException e) {
            problems.add(at + "." + field + ": " + e.getMessage());
            return null;
        }
    }
}
