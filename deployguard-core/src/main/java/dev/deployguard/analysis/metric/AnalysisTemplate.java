package dev.deployguard.analysis.metric;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reusable list of metrics with named arguments, as Argo Rollouts' AnalysisTemplate: {@code {{args.NAME}}} in any
 * of its strings is replaced by the argument's value where an analysis references the template.
 *
 * @param args argument names and their defaults (null: the reference must give a value)
 * @param metrics the metrics as written, before substitution (parsed once per reference)
 */
public record AnalysisTemplate(String name, Map<String, String> args, Object metrics) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*args\\.([A-Za-z0-9_.-]+)\\s*}}");

    public AnalysisTemplate {
        Objects.requireNonNull(name, "name");
        args = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
    }

    /**
     * Replaces every {@code {{args.NAME}}} in {@code text}.
     *
     * @param unknown receives each placeholder that names no argument
     */
    public static String substitute(String text, Map<String, String> values, List<String> unknown) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                unknown.add(m.group(1));
                v = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
