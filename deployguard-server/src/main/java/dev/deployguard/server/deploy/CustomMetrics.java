package dev.deployguard.server.deploy;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.MetricSample;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricGate;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.server.metrics.ProviderQueries;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the rollout runner joins custom metrics to its judge: the queries, the combined verdict, the events. */
final class CustomMetrics {
    /** How long one provider query may take before it counts as unavailable (an Error measurement, which holds). */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);

    private CustomMetrics() {
    }

    /** Prometheus and web queries over HTTP; built-in measures answered by the rollout's target. */
    static MetricQuery queries(MetricQuery builtins) {
        return new ProviderQueries(QUERY_TIMEOUT, builtins);
    }

    /**
     * The verdict the engine sees: a metric's FAIL wins (it names the metric, its value and its bound), then the
     * judge's FAIL; a metric that holds turns the judge's PASS into INCONCLUSIVE (the step waits for it).
     */
    static Observation combine(Observation judged, MetricGate.Outcome gate) {
        if (gate.verdict() == Verdict.FAIL) {
            return Observation.verdict(Verdict.FAIL, gate.sentence());
        }
        if (gate.verdict() == Verdict.INCONCLUSIVE && judged.verdict() != Verdict.FAIL) {
            return Observation.verdict(Verdict.INCONCLUSIVE, (judged.verdict() == null ? ""
                    : "judge " + judged.verdict() + " (" + judged.evidence() + "); ") + gate.sentence());
        }
        return judged;
    }

    /**
     * A pause ending (or a passed webhook) may carry the rollout into an analysis step with metrics of its own: the
     * judge's PASS must not pass that step before its metrics have measured anything.
     */
    static Observation guard(Observation obs, Rollout r, RolloutMetrics metrics, Strategy s) {
        boolean passing = obs.verdict() == Verdict.PASS || (obs.verdict() == null && r.lastVerdictIs(Verdict.PASS));
        if (!passing || !metrics.guardsNextStep(r, s)) {
            return obs;
        }
        return new Observation(Verdict.INCONCLUSIVE, (obs.evidence() == null ? "" : "judge PASS ("
                + obs.evidence() + "); ") + "the next analysis step's metrics have not measured yet",
                obs.webhookPassed(), obs.webhookDetail());
    }

    /** "metric cpu: FAILED 3.9 (canary ..., stable ...); the metric is FAILED: failed (1) > failureLimit (0)". */
    static String describe(RolloutMetrics.Measured m) {
        var x = m.measurement();
        StringBuilder out = new StringBuilder("metric ").append(m.metric())
                .append(m.status().dryRun() ? " (dry run)" : "").append(": ").append(x.phase());
        if (x.value() != null) {
            out.append(' ').append(x.value() instanceof Number n ? MetricAnalysis.format(n.doubleValue()) : x.value());
        }
        if (!x.message().isEmpty()) {
            out.append(x.value() != null ? " (" + x.message() + ")" : " " + x.message());
        }
        out.append("; the metric is ").append(m.status().phase());
        if (!m.status().message().isEmpty() && m.status().phase().completed()) {
            out.append(": ").append(m.status().message());
        }
        return out.toString();
    }

    /**
     * Hands a measurement of one of the strategy's relative metrics (canary and stable both measured) to the judge:
     * {@code mannWhitney} classifies each such metric from its series as Kayenta does; the other judges ignore it.
     * A step's own metrics are not the judge's: they run only while the rollout is at their step.
     */
    static void feed(Judge judge, RolloutMetrics.Measured m) {
        if (m.background() && m.measurement().hasTracks()) {
            judge.observeMetric(new MetricSample(m.metric(), m.measurement().at(), m.measurement().canary(),
                    m.measurement().stable()));
        }
    }

    static Map<String, Object> data(Rollout r, RolloutMetrics.Measured m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("rollout", r.id());
        d.put("metric", m.metric());
        d.put("measurement", m.measurement().phase().name());
        if (m.measurement().value() instanceof Number n) {
            d.put("value", n.doubleValue());
        }
        if (m.measurement().hasTracks() && Double.isFinite(m.measurement().canary())
                && Double.isFinite(m.measurement().stable())) {
            // A relative metric's tracks, for the dashboard's chart (MetricSeries) without parsing the message.
            d.put("canary", m.measurement().canary());
            d.put("stable", m.measurement().stable());
        }
        d.put("phase", m.status().phase().name());
        d.put("dryRun", m.status().dryRun());
        d.put("failed", m.status().failed());
        d.put("successful", m.status().successful());
        return d;
    }
}
