package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.metric.Condition;
import dev.deployguard.analysis.metric.Measurement;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-track values of a relative metric come from the measurement's text, as the real {@link MetricAnalysis}
 * writes it (so a change of that format fails here, not silently on the page); and the metric that rolled a rollout
 * back is named from the metric gate's verdict, the judge's own FAIL naming none.
 */
class MetricSeriesTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private static MetricDefinition relative(String name) {
        return new MetricDefinition(name, new Provider.Router("latencyP50"), true, MetricDirection.EITHER, 1.0, false,
                null, Condition.parse("result > 1.2", true), null, Duration.ofSeconds(1), Duration.ZERO, 0, 0,
                MetricDefinition.DEFAULT_CONSECUTIVE_ERROR_LIMIT, 0, false);
    }

    /** One measurement of {@code metric} by the real MetricAnalysis, canary and stable answering as given. */
    private static Measurement measure(MetricDefinition metric, double canary, double stable, String evidence) {
        MetricQuery query = (m, track, at) -> new MetricQuery.Answer.Value(track.equals("canary") ? canary : stable,
                evidence);
        MetricAnalysis a = new MetricAnalysis(List.of(metric), T0, true);
        a.tick(T0, query);
        return a.statuses().get(0).measurements().get(0);
    }

    @Test
    void aRelativeMeasurementsTracksAreReadFromTheRealMeasurementText() {
        // Evidence with parentheses and commas of its own, as the built-in measures write it.
        Measurement m = measure(relative("p50"), 37.5, 12.5, "120 requests (2 errors), window 1s");
        assertThat(((Number) m.value()).doubleValue()).isEqualTo(3.0);
        // The event's message wraps the measurement's text (CustomMetrics.describe in deployguard-server's deploy).
        String message = "metric p50: " + m.phase() + " 3 (" + m.message() + "); the metric is FAILED: failed (1) >"
                + " failureLimit (0)";
        assertThat(MetricSeries.tracks(message)).containsExactly(37.5, 12.5);

        Measurement plain = measure(relative("p50"), 0.25, 2, "");
        assertThat(MetricSeries.tracks(plain.message())).containsExactly(0.25, 2.0);
        assertThat(MetricSeries.tracks("metric rps: SUCCESSFUL 14.2; the metric is RUNNING")).isNull();
    }

    @Test
    void anEventBecomesAPointOfItsOwnRolloutOnly() {
        Map<String, Object> data = Map.of("rollout", 7, "metric", "p50", "measurement", "FAILED", "value", 3.0,
                "phase", "FAILED", "dryRun", false, "failed", 1, "successful", 0);
        Event e = new Event(41, T0, "web", 2, "system", EventKinds.ANALYSIS_METRIC,
                "metric p50: FAILED 3 (canary 37.5 (x), stable 12.5 (y)); the metric is FAILED", data);
        MetricSeries.Point p = MetricSeries.point(e, 7);
        assertThat(p).isNotNull();
        assertThat(p.id()).isEqualTo(41);
        assertThat(p.t()).isEqualTo(T0.toEpochMilli());
        assertThat(p.value()).isEqualTo(3.0);
        assertThat(p.canary()).isEqualTo(37.5);
        assertThat(p.stable()).isEqualTo(12.5);
        assertThat(p.phase()).isEqualTo("FAILED");
        assertThat(p.failed()).isEqualTo(1);
        assertThat(MetricSeries.point(e, 8)).isNull();
    }

    @Test
    void theMetricThatRolledBackIsNamedByTheGatesVerdict() {
        Rollout judged = Rollout.start(3, "web", RolloutKind.CANARY, 1, 2, T0).toBuilder()
                .lastVerdict("FAIL: errors: e-value 250 >= 100").build();
        assertThat(MetricTable.decidedBy(judged, List.of("p50", "p50-x"))).isNull();
        Rollout byMetric = judged.toBuilder().lastVerdict("FAIL: metric p50-x (latencyP50) failed: canary / stable"
                + " ratio 3 (canary 37.5, stable 12.5), bound: failureCondition 'result > 1.2'; failed (1) >"
                + " failureLimit (0)").build();
        assertThat(MetricTable.decidedBy(byMetric, List.of("p50", "p50-x"))).isEqualTo("p50-x");
        assertThat(MetricTable.why(byMetric, "p50-x")).isEqualTo("Rolled back because metric p50-x (latencyP50)"
                + " failed: canary / stable ratio 3 (canary 37.5, stable 12.5), bound: failureCondition"
                + " 'result > 1.2'; failed (1) > failureLimit (0).");
    }
}
