package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.analysis.LatencyComparison;
import dev.deployguard.rollout.AnalysisSpec;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * An analysis' {@code latency:} field: {@code true}/{@code false}, or the sequential judge's latency options
 * {@code {tolerance: 10%, indifference: 5ms, warmup: 60s, warmupRequests: 200}} (judged when given as a map).
 *
 * @param judged whether latency is judged
 * @param comparison when a canary request counts as slower than its stable pair
 * @param warmup latency evidence of the canary's first moments is ignored (null: the analysis' latencyWarmup)
 * @param warmupRequests ... and of its first requests
 */
record LatencyOptions(boolean judged, LatencyComparison comparison, Duration warmup, long warmupRequests) {
    private static final Set<String> FIELDS = Set.of("tolerance", "indifference", "warmup", "warmupRequests");

    /** Reads the field at {@code at} over the inherited analysis' settings; problems are added (and null returned) for anything a person must fix. */
    static LatencyOptions parse(JsonNode node, AnalysisSpec inherited, String at, List<String> problems) {
        LatencyOptions defaults = new LatencyOptions(inherited.latency(), inherited.latencyComparison(), null,
                inherited.latencyWarmupRequests());
        if (node == null || node.isNull()) {
            return defaults;
        }
        if (node.isBoolean()) {
            return new LatencyOptions(node.booleanValue(), defaults.comparison(), null, defaults.warmupRequests());
        }
        if (!node.isObject()) {
            problems.add(at + ": expected true, false or {tolerance: 10%, indifference: 5ms, warmup: 60s,"
                    + " warmupRequests: 200}");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                problems.add(at + "." + name + ": unknown field; expected one of tolerance, indifference, warmup,"
                        + " warmupRequests");
            }
        }
        double tolerance = tolerance(node.get("tolerance"), defaults.comparison().tolerance(), at + ".tolerance",
                problems);
        Duration indifference = SpecSections.duration(text(node.get("indifference"), at + ".indifference", problems),
                Duration.ofNanos((long) (defaults.comparison().indifferenceMillis() * 1e6)), at + ".indifference",
                problems);
        Duration warmup = SpecSections.duration(text(node.get("warmup"), at + ".warmup", problems), null,
                at + ".warmup", problems);
        long requests = defaults.warmupRequests();
        JsonNode r = node.get("warmupRequests");
        if (r != null) {
            if (r.canConvertToLong() && r.isIntegralNumber() && r.longValue() >= 0) {
                requests = r.longValue();
            } else {
                problems.add(at + ".warmupRequests: expected a whole number of requests (0 or more), got " + r);
            }
        }
        if (problems.size() > before || indifference == null) {
            return null;
        }
        return new LatencyOptions(true, new LatencyComparison(tolerance, indifference.toNanos() / 1e6), warmup,
                requests);
    }

    /** "20%" or 0.2; from 0 to 10 (1000%). */
    private static double tolerance(JsonNode node, double dflt, String at, List<String> problems) {
        if (node == null) {
            return dflt;
        }
        double value = Double.NaN;
        if (node.isNumber()) {
            value = node.doubleValue();
        } else if (node.isTextual() && node.textValue().strip().endsWith("%")) {
            String digits = node.textValue().strip();
            try {
                value = Double.parseDouble(digits.substring(0, digits.length() - 1).strip()) / 100;
            } catch (NumberFormatException e) {
                value = Double.NaN;
            }
        }
        if (!(value >= 0 && value <= 10)) {
            problems.add(at + ": expected a relative margin such as 20% or 0.2 (0 to 1000%), got " + node);
            return dflt;
        }
        return value;
    }

    private static String text(JsonNode node, String at, List<String> problems) {
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            problems.add(at + ": expected a duration such as 5ms or 60s, got " + node);
            return null;
        }
        return node.textValue();
    }
}
