package dev.deployguard.analysis.metric;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.MetricDirection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Metric runs driven tick by tick in simulated time against a scripted provider. */
class MetricAnalysisTest {
    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
    private static final Provider PROM = new Provider.Prometheus("http://127.0.0.1:9090", "q{track=\"{{track}}\"}");

    private static MetricDefinition metric(String name, boolean relative, String success, String failure,
                                           Integer count, Duration interval, Duration delay, boolean dryRun) {
        return new MetricDefinition(name, PROM, relative, MetricDirection.INCREASE, 1, false,
                success == null ? null : Condition.parse(success, relative),
                failure == null ? null : Condition.parse(failure, relative), count, interval, delay, 0, 0,
                MetricDefinition.DEFAULT_CONSECUTIVE_ERROR_LIMIT, 0, dryRun);
    }

    /** Runs ticks until nothing is due or {@code until}; returns the times at which the provider was asked. */
    private static List<Instant> drive(MetricAnalysis run, Instant until, Function<Instant, MetricQuery.Answer> at) {
        List<Instant> asked = new ArrayList<>();
        Instant now = T0;
        while (now != null && !now.isAfter(until)) {
            Instant t = now;
            now = run.tick(now, (m, track, when) -> {
                asked.add(when);
                return at.apply(t);
            });
        }
        return asked;
    }

    @Test
    void aProviderOutageIsErrorMeasurementsThatHoldNeverAFailure() {
        var m = metric("errors", false, "result < 0.05", null, null, Duration.ofSeconds(30), null, false);
        var run = new MetricAnalysis(List.of(m), T0);
        drive(run, T0.plusSeconds(35), t -> new MetricQuery.Answer.Unavailable("Prometheus unreachable"));
        assertThat(run.phase()).isEqualTo(MetricPhase.RUNNING);
        var status = run.statuses().get(0);
        assertThat(status.failed()).isZero();
        assertThat(status.consecutiveError()).isEqualTo(4);
        // Errors retry every 10 s whatever the interval: T0, +10, +20, +30.
        assertThat(status.measurements()).extracting(Measurement::at)
                .containsExactly(T0, T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30));
        assertThat(status.measurements()).allSatisfy(x -> assertThat(x.message()).contains("Prometheus unreachable"));
    }

    @Test
    void moreConsecutiveErrorsThanTheLimitEndTheMetricAsErrorNotFailed() {
        var m = metric("errors", false, "result < 0.05", null, null, Duration.ofSeconds(30), null, false);
        var run = new MetricAnalysis(List.of(m), T0);
        drive(run, T0.plusSeconds(120), t -> new MetricQuery.Answer.Unavailable("timed out after 2000 ms"));
        assertThat(run.phase()).isEqualTo(MetricPhase.ERROR);
        assertThat(run.statuses().get(0).message())
                .isEqualTo("consecutiveErrors (5) > consecutiveErrorLimit (4): errors: timed out after 2000 ms");
    }

    @Test
    void aVectorWhereAScalarIsNeededIsAnErrorWithTheRemedy() {
        var m = metric("cpu", false, "result < 0.5", null, null, Duration.ofSeconds(30), null, false);
        var run = new MetricAnalysis(List.of(m), T0);
        run.tick(T0, (x, track, at) -> new MetricQuery.Answer.Value(List.of(0.1, 0.9)));
        var measured = run.statuses().get(0).measurements().get(0);
        assertThat(measured.phase()).isEqualTo(MetricPhase.ERROR);
        assertThat(measured.message()).contains("returned a vector of 2 values", "sum(...)", "result[0]");
        assertThat(run.phase()).isEqualTo(MetricPhase.RUNNING);
    }

    @Test
    void aRelativeMetricJudgesTheCanaryToStableRatio() {
        var m = metric("cpu-per-request", true, null, "result > 2", null, Duration.ofSeconds(30), null, false);
        var run = new MetricAnalysis(List.of(m), T0);
        run.tick(T0, (x, track, at) -> new MetricQuery.Answer.Value("canary".equals(track) ? 0.008 : 0.002));
        assertThat(run.phase()).isEqualTo(MetricPhase.FAILED);
        assertThat(run.statuses().get(0).measurements().get(0).value()).isEqualTo(4.0);
        assertThat(run.statuses().get(0).message()).isEqualTo("failed (1) > failureLimit (0)");
    }

    @Test
    void aDryRunMetricIsRecordedAndNeverDecides() {
        var shadow = metric("shadow", false, "result < 0.01", null, 3, Duration.ofSeconds(30), null, true);
        var real = metric("real", false, "result < 0.5", null, 3, Duration.ofSeconds(30), null, false);
        var run = new MetricAnalysis(List.of(shadow, real), T0);
        drive(run, T0.plusSeconds(300), t -> new MetricQuery.Answer.Value(0.2));
        assertThat(run.statuses()).extracting(MetricStatus::name, MetricStatus::phase, MetricStatus::dryRun)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shadow", MetricPhase.FAILED, true),
                        org.assertj.core.groups.Tuple.tuple("real", MetricPhase.SUCCESSFUL, false));
        assertThat(run.phase()).isEqualTo(MetricPhase.SUCCESSFUL);
    }

    @Test
    void initialDelayAndCountScheduleTheMeasurementsInSimulatedTime() {
        var m = metric("m", false, "result < 1", null, 3, Duration.ofSeconds(30), Duration.ofMinutes(1), false);
        var run = new MetricAnalysis(List.of(m), T0);
        List<Instant> asked = drive(run, T0.plusSeconds(600), t -> new MetricQuery.Answer.Value(0.5));
        assertThat(asked).containsExactly(T0.plusSeconds(60), T0.plusSeconds(90), T0.plusSeconds(120));
        assertThat(run.phase()).isEqualTo(MetricPhase.SUCCESSFUL);
    }
}
