package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.server.deploy.Analyses;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one-sentence "why" of each verdict, from the sequential judge's real judgements on made-up windows. */
class WhyTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    final AnalysisSpec spec = AnalysisSpec.defaults();

    private static WindowObservation window(int second, long canaryErrors) {
        return WindowObservation.measured(T0.plusSeconds(second), T0.plusSeconds(second + 1),
                TrackWindow.counts(900, 9), TrackWindow.counts(100, canaryErrors), LatencyPairs.NONE);
    }

    @Test
    void aHoldSaysWhatIsMissingAndNamesTheBound() {
        Judge judge = Analyses.forSpec(spec);
        Judgement j = judge.observe(window(0, 1));
        assertThat(j.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(Why.of(j, spec, window(0, 1))).startsWith("Hold: not enough evidence yet")
                .contains("100 canary and 900 stable samples").contains("1/alpha = 100").endsWith(".");
    }

    @Test
    void aFailureSaysWhichMetricCrossedTheBoundAndTheFalseAlarmChance() {
        Judge judge = Analyses.forSpec(spec);
        Judgement j = null;
        for (int s = 0; s < 300 && (j == null || j.verdict() != Verdict.FAIL); s++) {
            j = judge.observe(window(s, 5)); // 5% canary errors against 1% stable
        }
        assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(Why.of(j, spec, window(300, 5))).startsWith("Roll back: the evidence that the canary's error rate"
                + " is worse").contains("past the bound 1/alpha = 100").contains("at most 0.01");
    }

    @Test
    void aSourceErrorIsNeverEvidence() {
        Judge judge = Analyses.forSpec(spec);
        WindowObservation missing = WindowObservation.missing(T0, T0.plusSeconds(1), "Prometheus timed out");
        Judgement j = judge.observe(missing);
        assertThat(Why.of(j, spec, missing)).startsWith("Holding: the metric source could not measure")
                .contains("Prometheus timed out");
    }
}
