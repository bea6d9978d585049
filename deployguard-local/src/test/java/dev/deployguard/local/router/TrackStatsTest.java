package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.deployguard.local.router.RouterMetrics.StatusCounts;
import dev.deployguard.local.router.RouterMetrics.TrackMetrics;
import dev.deployguard.local.router.RouterMetrics.Window;
import org.junit.jupiter.api.Test;

class TrackStatsTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void countsStatusClassesAndProxyErrors() {
        TrackStats stats = new TrackStats("canary", 2, T0);

        stats.record(200, false, 1_000);
        stats.record(204, false, 1_000);
        stats.record(302, false, 1_000);
        stats.record(404, false, 1_000);
        stats.record(500, false, 1_000);
        stats.record(502, true, 1_000);
        stats.record(0, false, 1_000);

        TrackMetrics metrics = stats.metrics(Long.MIN_VALUE);
        assertThat(metrics.status()).isEqualTo(new StatusCounts(2, 1, 1, 3));
        assertThat(metrics.requests()).isEqualTo(7);
        assertThat(metrics.proxyErrors()).isEqualTo(1);
    }

    @Test
    void latencyPercentilesAreInMicroseconds() {
        TrackStats stats = new TrackStats("stable", 1, T0);
        for (int i = 1; i <= 100; i++) {
            stats.record(200, false, i * 1_000L);
        }

        TrackMetrics metrics = stats.metrics(Long.MIN_VALUE);
        assertThat(metrics.latencyMicros().p50()).isBetween(49_000L, 51_000L);
        assertThat(metrics.latencyMicros().p99()).isBetween(98_000L, 100_000L);
        assertThat(metrics.latencyMicros().max()).isBetween(99_000L, 101_000L);
    }

    @Test
    void aWindowIsPublishedOneRollAfterItCloses() {
        TrackStats stats = new TrackStats("stable", 1, T0 + 300);
        stats.record(200, false, 500);
        stats.record(503, false, 700);

        stats.roll(T0 + 1_000);
        assertThat(stats.metrics(Long.MIN_VALUE).windows()).isEmpty();

        stats.record(200, false, 900);
        stats.roll(T0 + 2_000);
        assertThat(stats.metrics(Long.MIN_VALUE).windows())
                .extracting(Window::startEpochMs, Window::requests, Window::errors)
                .containsExactly(tuple(T0, 2L, 1L));

        stats.roll(T0 + 3_000);
        assertThat(stats.metrics(Long.MIN_VALUE).windows())
                .extracting(Window::startEpochMs, Window::requests)
                .containsExactly(tuple(T0, 2L),
                        tuple(T0 + 1_000, 1L));
        assertThat(stats.metrics(T0 + 1_000).windows()).extracting(Window::startEpochMs)
                .containsExactly(T0 + 1_000);
    }

    @Test
    void keepsTheLast300Windows() {
        TrackStats stats = new TrackStats("stable", 1, T0);
        for (int s = 1; s <= 400; s++) {
            stats.record(200, false, 10);
            stats.roll(T0 + s * 1_000L);
        }

        var windows = stats.metrics(Long.MIN_VALUE).windows();
        assertThat(windows).hasSize(TrackStats.WINDOWS);
        assertThat(windows.get(windows.size() - 1).startEpochMs()).isEqualTo(T0 + 398_000);
        assertThat(windows.get(0).startEpochMs()).isEqualTo(T0 + 99_000);
    }

    @Test
    void aNewGenerationStartsCumulativeCountsAfreshButKeepsWindows() {
        TrackStats stats = new TrackStats("stable", 1, T0);
        stats.record(200, false, 10);
        stats.roll(T0 + 1_000);
        stats.roll(T0 + 2_000);

        stats.resetCumulative();

        TrackMetrics metrics = stats.metrics(Long.MIN_VALUE);
        assertThat(metrics.requests()).isZero();
        assertThat(metrics.latencyMicros()).isEqualTo(RouterMetrics.Latency.NONE);
        assertThat(metrics.windows()).extracting(Window::requests).containsExactly(1L);
    }

    @Test
    void windowsCarryBucketCountsLatencySumAndCanarySignPairs() {
        var pairing = new TrackStats.Pairing();
        TrackStats stable = new TrackStats("stable", 1, T0, pairing);
        TrackStats canary = new TrackStats("canary", 2, T0, pairing);
        stable.record(200, false, 20_000, true);    // 20 ms: bucket (10, 25]; built-in load
        canary.record(200, false, 30_000);          // slower than 20 ms: (25, 50]
        canary.record(200, false, 21_500);          // within 10% of 20 ms: a tie, (10, 25]
        canary.record(200, false, 3_000);           // faster: (0, 5]
        canary.record(500, false, 90_000);          // an error: not paired
        stable.record(200, false, 60_000_000);      // 60 s: overflow bucket
        canary.record(200, false, 40_000);          // faster than 60 s
        for (TrackStats s : new TrackStats[] {stable, canary}) {
            s.roll(T0 + 1_000);
            s.roll(T0 + 2_000);
        }
        Window c = canary.metrics(Long.MIN_VALUE).windows().get(0);
        assertThat(c.requests()).isEqualTo(5);
        assertThat(c.canarySlower()).isEqualTo(1);
        assertThat(c.canaryFaster()).isEqualTo(2);
        // every successful canary request's pair, ties included, for the judge's own comparison
        assertThat(c.pairMicros()).containsExactly(30_000L, 20_000L, 21_500L, 20_000L, 3_000L, 20_000L,
                40_000L, 60_000_000L);
        assertThat(c.latencySumMicros()).isEqualTo(184_500);
        assertThat(c.latencyBuckets()).hasSize(Window.BUCKET_BOUNDS_MILLIS.length + 1)
                .containsExactly(1L, 0L, 1L, 2L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        Window s = stable.metrics(Long.MIN_VALUE).windows().get(0);
        assertThat(s.canarySlower() + s.canaryFaster()).as("only the canary track pairs").isZero();
        assertThat(s.pairMicros()).isEmpty();
        assertThat(stable.metrics(Long.MIN_VALUE).synthetic()).as("synthetic requests counted apart").isEqualTo(1);
        assertThat(canary.metrics(Long.MIN_VALUE).synthetic()).isZero();
        assertThat(s.latencyBuckets().get(Window.BUCKET_BOUNDS_MILLIS.length)).as("overflow").isEqualTo(1);
        assertThat(s.latencyBuckets().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
    }
}
