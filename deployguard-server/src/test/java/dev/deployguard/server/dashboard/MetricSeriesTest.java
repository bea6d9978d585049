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
 * The per-track values of a relative metric are numbers of the real {@link MetricAnalysis}'s measurement, carried
 * as the event's fields {@code canary} and {@code stable} (the runner's event is checked in
 * {@code RolloutRunnerMetricsTest}), never parsed from its text; and the metric that rolled a rollout
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
    void aRelativeMeasurementCarriesItsTracksAsNumbersNotOnlyInItsText() {
        // Evidence with parentheses and commas of its own, as the built-in measures write it.
        Measurement m = measure(relative("p50"), 37.5, 12.5, "120 requests (2 errors), window 1s");
        assertThat(((Number) m.value()).doubleValue()).isEqualTo(3.0);
        assertThat(m.canary()).isEqualTo(37.5);
        assertThat(m.stable()).isEqualTo(12.5);
        assertThat(m.message()).contains("canary 37.5 (120 requests (2 errors), window 1s), stable 12.5");

        MetricAnalysis rps = new MetricAnalysis(List.of(MetricDefinition.of("rps", new Provider.Router("requestRate"))),
                T0, true);
        rps.tick(T0, (d, track, at) -> new MetricQuery.Answer.Value(14.2, ""));
        Measurement absolute = rps.statuses().get(0).measurements().get(0);
        assertThat(absolute.hasTracks()).as("an absolute metric has no tracks").isFalse();
        assertThat(absolute.canary()).isNull();
    }

    @Test
    void thePointsTracksComeFromTheEventsFieldsNeverFromItsText() {
        Map<String, Object> noTracks = Map.of("rollout", 7, "metric", "p50", "measurement", "FAILED", "value", 3.0,
                "phase", "FAILED");
        Event textOnly = new Event(40, T0, "web", 2, "system", EventKinds.ANALYSIS_METRIC,
                "metric p50: FAILED 3 (canary 37.5 (x), stable 12.5 (y)); the metric is FAILED", noTracks);
        MetricSeries.Point p = MetricSeries.point(textOnly, 7);
        assertThat(p.value()).isEqualTo(3.0);
        assertThat(p.canary()).as("no field, no value: the text is not parsed").isNull();
        assertThat(p.stable()).isNull();
    }

    @Test
    void anEventBecomesAPointOfItsOwnRolloutOnly() {
        Map<String, Object> data = Map.ofEntries(Map.entry("rollout", 7), Map.entry("metric", "p50"),
                Map.entry("measurement", "FAILED"), Map.entry("value", 3.0), Map.entry("canary", 37.5),
                Map.entry("stable", 12.5), Map.entry("phase", "FAILED"), Map.entry("dryRun", false),
                Map.entry("failed", 1), Map.entry("successful", 0));
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
