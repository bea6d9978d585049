package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class WindowRecorderTest {
    static final Instant START = Windows.T0;

    @Test
    void countsRequestsErrorsAndTheActualShare() {
        WindowRecorder recorder = new WindowRecorder(LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS);
        for (int i = 0; i < 9; i++) {
            recorder.record(TrackKind.STABLE, i * 100L, 20, i == 0);
        }
        recorder.record(TrackKind.CANARY, 450, 30, true);
        WindowObservation w = recorder.close(START, START.plusSeconds(1));
        assertThat(w.stable().requests()).isEqualTo(9);
        assertThat(w.stable().errors()).isEqualTo(1);
        assertThat(w.canary().errors()).isEqualTo(1);
        assertThat(w.canaryShare()).isEqualTo(0.1);
        assertThat(w.canary().meanLatencyMillis()).isEqualTo(30);
        assertThat(w.canary().histogram().total()).isEqualTo(1);
        // the only canary request failed: no latency pair
        assertThat(w.pairs().pairs()).isZero();
    }

    @Test
    void pairsEachCanaryRequestWithTheNearestStableRequestInTime() {
        WindowRecorder recorder = new WindowRecorder(LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS);
        // stable gets slower over the window; canary requests sit next to fast, then slow, stable requests
        for (int i = 0; i < 10; i++) {
            recorder.record(TrackKind.STABLE, i * 1_000L, 10 + 10 * i, false);
        }
        recorder.record(TrackKind.CANARY, 8_900, 85, false); // nearest stable t=9000, 100 ms: canary faster
        recorder.record(TrackKind.CANARY, 1_100, 25, false); // t=1000 taken by the next one; t=2000, 30 ms: faster
        recorder.record(TrackKind.CANARY, 1_050, 25, false); // earliest canary, nearest t=1000, 20 ms: slower
        WindowObservation w = recorder.close(START, START.plusSeconds(1));
        assertThat(w.pairs().pairs()).isEqualTo(3);
        assertThat(w.pairs().count(LatencyComparison.STRICT)).containsExactly(1, 2);
        // 25 ms against 20 ms is within 10% + 5 ms: not slower under the default comparison
        assertThat(w.pairs().count(new LatencyComparison(0.1, 5))).containsExactly(0, 3);
    }

    @Test
    void closingStartsAnEmptyWindow() {
        WindowRecorder recorder = new WindowRecorder(LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS);
        recorder.record(TrackKind.CANARY, 1, 5, false);
        recorder.close(START, START.plusSeconds(1));
        WindowObservation next = recorder.close(START.plusSeconds(1), START.plusSeconds(2));
        assertThat(next.canary().requests()).isZero();
        assertThat(next.canaryShare()).isZero();
    }
}
