package dev.deployguard.server.dashboard;

import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rollout page's custom metrics: what each one is (provider, relative or absolute, conditions, dry run), where
 * it stands (its phase and its last measurement with the condition's result), and, for a metric that rolled the
 * rollout back, one sentence saying why. A live part: the page's event stream replaces it when it changes.
 */
final class MetricTable {
    private MetricTable() {
    }

    /** Every metric the strategy declares, its background analysis' first, then each analysis step's own. */
    static List<MetricDefinition> declared(Strategy s) {
        Map<String, MetricDefinition> out = new LinkedHashMap<>();
        if (s == null) {
            return List.of();
        }
        s.analysis().metrics().forEach(m -> out.putIfAbsent(m.name(), m));
        for (Step step : s.steps()) {
            if (step instanceof Step.Analysis a && a.analysis() != null) {
                a.analysis().metrics().forEach(m -> out.putIfAbsent(m.name(), m));
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * The metric whose failure rolled {@code r} back, or null: the metric gate's verdict names it first
     * ({@code FAIL: metric NAME ...}, see {@code MetricGate.sentence}), where the judge's own verdict names none.
     */
    static String decidedBy(Rollout r, List<String> names) {
        String v = r == null ? null : r.lastVerdict();
        if (v == null || !v.startsWith("FAIL: metric ")) {
            return null;
        }
        return names.stream().filter(n -> v.startsWith("FAIL: metric " + n + " ")).findFirst().orElse(null);
    }

    /** One sentence: why the metric that decided rolled the rollout back (the gate's own words, which name its bound). */
    static String why(Rollout r, String metric) {
        String rest = r.lastVerdict().substring("FAIL: metric ".length() + metric.length()).trim();
        String sentence = "Rolled back because metric " + metric + " " + rest;
        return sentence.endsWith(".") ? sentence : sentence + ".";
    }

    /** What the page shows of the measurements so far: each metric's last one and how many were taken. */
    static final class Tally {
        private final Map<String, MetricSeries.Point> last = new LinkedHashMap<>();
        private final Map<String, Integer> counts = new LinkedHashMap<>();

        Tally add(List<MetricSeries.Point> points) {
            for (MetricSeries.Point p : points) {
                last.put(p.metric(), p);
                counts.merge(p.metric(), 1, Integer::sum);
            }
            return this;
        }
    }

    /** @param declared the spec's metrics (may be empty: then the metrics the events name are shown) */
    static String html(Rollout r, List<MetricDefinition> declared, Tally tally) {
        Map<String, MetricSeries.Point> last = tally.last;
        List<String> names = new ArrayList<>();
        declared.forEach(m -> names.add(m.name()));
        last.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        if (names.isEmpty()) {
            return "<p class=\"empty\">None declared: the judge decides from request errors and latency.</p>";
        }
        Html h = new Html().raw("<table id=\"custom-metrics\"><thead><tr><th>Metric</th><th>Provider</th><th>Measures"
                + "</th><th>Success when</th><th>Failure when</th><th>Phase</th><th>Last measurement</th></tr></thead>"
                + "<tbody>");
        for (String name : names) {
            MetricDefinition m = declared.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
            MetricSeries.Point p = last.get(name);
            boolean dryRun = m != null ? m.dryRun() : p != null && p.dryRun();
            h.raw("<tr data-metric=\"").text(name).raw("\"><td>").text(name);
            if (dryRun) {
                h.raw(" <span class=\"dry-run\" title=\"measured and recorded, never decides\">dry run</span>");
            }
            h.raw("</td><td>").text(m == null ? "" : m.provider().kind()).raw("</td><td>")
                    .text(m == null ? "" : m.relative() ? "canary / stable" : "value").raw("</td><td>")
                    .text(m == null || m.successCondition() == null ? "" : m.successCondition().text())
                    .raw("</td><td>").text(m == null || m.failureCondition() == null ? ""
                            : m.failureCondition().text()).raw("</td><td>");
            String phase = p == null ? "PENDING" : p.phase();
            h.raw("<span class=\"metric-phase ").text(phase.toLowerCase(Locale.ROOT)).raw("\">").text(phase)
                    .raw("</span>").raw("</td><td>");
            if (p == null) {
                h.raw("<span class=\"empty\">none yet</span>");
            } else {
                h.raw("<span class=\"metric-phase ").text(p.measurement().toLowerCase(Locale.ROOT)).raw("\">")
                        .text(p.measurement()).raw("</span> ").text(show(p)).raw(" <span class=\"hint\">(")
                        .text(tally.counts.get(name)).raw(" measured, ").text(p.failed()).raw(" failed)</span>");
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        String decided = decidedBy(r, names);
        if (decided != null) {
            h.raw("<p class=\"metric-why\" id=\"metric-why\" data-metric=\"").text(decided).raw("\">")
                    .text(why(r, decided)).raw("</p>");
        }
        return h.toString();
    }

    private static String show(MetricSeries.Point p) {
        if (p.value() == null) {
            return "no value";
        }
        String v = MetricAnalysis.format(p.value());
        return p.canary() == null ? v : "ratio " + v + " (canary " + MetricAnalysis.format(p.canary()) + ", stable "
                + MetricAnalysis.format(p.stable()) + ")";
    }
}
