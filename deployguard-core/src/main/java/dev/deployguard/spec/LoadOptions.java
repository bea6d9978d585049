package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.rollout.LoadSpec;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads an analysis' {@code load: {rate, path, duration, headers}} (see {@link LoadSpec}). */
final class LoadOptions {
    private static final Set<String> FIELDS = Set.of("rate", "path", "duration", "headers");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers the HTTP client sets itself, or that would change what a request is. */
    private static final Set<String> RESERVED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding", "te", "x-deployguard-synthetic", "x-deployguard-track", "x-canary");
    private static final Duration DEFAULT_DURATION = Duration.ofMinutes(30);

    private LoadOptions() {
    }

    /** Null when the field is absent or has problems (they are added to {@code problems}). */
    static LoadSpec parse(JsonNode node, String at, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(at + ": expected {rate: 20, path: /healthz, duration: 10m, headers: {...}}");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                problems.add(at + "." + name + ": unknown field; expected one of rate, path, duration, headers");
            }
        }
        JsonNode rateNode = node.get("rate");
        double rate = rateNode != null && rateNode.isNumber() ? rateNode.doubleValue() : Double.NaN;
        if (!(rate > 0 && rate <= 1_000)) {
            problems.add(at + ".rate: expected requests per second, more than 0 and at most 1000, got "
                    + (rateNode == null ? "nothing" : rateNode));
        }
        JsonNode pathNode = node.get("path");
        String path = pathNode == null ? "/" : pathNode.isTextual() ? pathNode.textValue() : null;
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            problems.add(at + ".path: expected a request path starting with / without spaces, got " + pathNode);
        }
        JsonNode durationNode = node.get("duration");
        Duration duration = SpecSections.duration(durationNode == null ? null
                : durationNode.isTextual() ? durationNode.textValue() : String.valueOf(durationNode),
                DEFAULT_DURATION, at + ".duration", problems);
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            problems.add(at + ".duration: expected a positive duration such as 10m");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode headersNode = node.get("headers");
        if (headersNode != null && !headersNode.isObject()) {
            problems.add(at + ".headers: expected a map of header names to values");
        } else if (headersNode != null) {
            for (Map.Entry<String, JsonNode> e : headersNode.properties()) {
                String name = e.getKey();
                if (!TOKEN.matcher(name).matches() || RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                    problems.add(at + ".headers." + name + ": not a header a load may set (a token, not one of "
                            + String.join(", ", RESERVED.stream().sorted().toList()) + ")");
                } else if (!e.getValue().isValueNode() || e.getValue().asText().chars()
                        .anyMatch(c -> c < ' ' && c != '\t' || c == 127)) {
                    problems.add(at + ".headers." + name + ": expected a one-line text value");
                } else {
                    headers.put(name, e.getValue().asText());
                }
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new LoadSpec(rate, path, duration, headers);
    }
}
