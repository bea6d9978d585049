package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The router source across a metrics outage, in simulated time: while the router does not answer every window is
 * missing (the judges hold), and the first window after it covers every second since the last measured one, so the
 * judge ends up with exactly the traffic it would have seen without the outage (nothing lost, nothing twice).
 */
class RouterMetricSourceTest {
    private static final long T0 = 1_800_000_000_000L; // a whole second, epoch milliseconds

    /** One second of traffic per track: stable 95 requests and 1 error, canary 5 and second % 7 == 0 ? 1 : 0. */
    private static RouterMetrics seconds(long fromSecond, long toSecond) {
        List<RouterMetrics.Window> stable = new ArrayList<>();
        List<RouterMetrics.Window> canary = new ArrayList<>();
        for (long s = fromSecond; s < toSecond; s++) {
            stable.add(new RouterMetrics.Window(T0 + s * 1000, 95, 1, 0, 0));
            canary.add(new RouterMetrics.Window(T0 + s * 1000, 5, s % 7 == 0 ? 1 : 0, 0, 0));
        }
        RouterMetrics.StatusCounts none = new RouterMetrics.StatusCounts(0, 0, 0, 0);
        return new RouterMetrics(1, List.of(
                new RouterMetrics.TrackMetrics("stable", 1, 0, none, 0, RouterMetrics.Latency.NONE, stable),
                new RouterMetrics.TrackMetrics("canary", 2, 0, none, 0, RouterMetrics.Latency.NONE, canary)),
                Map.of(), List.of());
    }

    @Test
    void anOutageIsCaughtUpByTheFirstWindowAfterIt() {
        // given a router that keeps its seconds (minutes of them) and does not answer from second 30 to 150
        long[] nowSecond = {0};
        RouterMetricSource source = new RouterMetricSource(sinceMs -> {
            if (nowSecond[0] >= 30 && nowSecond[0] < 150) {
                throw new DeployGuardException(ExitCode.UNREACHABLE, "connection refused");
            }
            long first = Math.max(0, Math.floorDiv(sinceMs - T0 + 999, 1000));
            return seconds(first, nowSecond[0] + 1);
        }, 1, 2, Instant.ofEpochMilli(T0 - 1));
        long requests = 0;
        long canaryErrors = 0;
        int missing = 0;
        WindowObservation caughtUp = null;
        // when the runner asks every 5 s for 300 s
        for (long s = 5; s <= 300; s += 5) {
            nowSecond[0] = s;
            WindowObservation w = source.window(Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + s * 1000));
            if (w.isMissing()) {
                missing++;
                assertThat(w.sourceError()).contains("router metrics unavailable: connection refused");
                continue;
            }
            if (s == 150) {
                caughtUp = w;
            }
            requests += w.stable().requests() + w.canary().requests();
            canaryErrors += w.canary().errors();
        }
        // then the outage's windows are missing, the first one after covers seconds 24 to 148 at once, and in all
        // the judge is given every closed second exactly once
        assertThat(missing).isEqualTo(24);
        assertThat(caughtUp).isNotNull();
        assertThat(caughtUp.start()).isEqualTo(Instant.ofEpochMilli(T0 + 24_000));
        assertThat(caughtUp.end()).isEqualTo(Instant.ofEpochMilli(T0 + 149_000));
        assertThat(caughtUp.canary().requests()).isEqualTo(5 * 125);
        long closed = 299; // seconds 0..298: the last second closes 1.5 s after it ends
        assertThat(requests).isEqualTo(100 * closed);
        long expectedCanaryErrors = 0;
        for (long s = 0; s < closed; s++) {
            expectedCanaryErrors += s % 7 == 0 ? 1 : 0;
        }
        assertThat(canaryErrors).isEqualTo(expectedCanaryErrors);
        assertThat(caughtUp.canaryShare()).isEqualTo(0.05);
    }
}
