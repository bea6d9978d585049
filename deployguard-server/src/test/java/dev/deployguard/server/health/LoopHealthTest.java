package dev.deployguard.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.testing.SimulatedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Loop and per-app health in simulated time, with ticks that block on a latch the test controls (never a sleep):
 * a stuck tick, a starved loop, and one app's hung work that leaves the other apps supervised.
 */
class LoopHealthTest {
    static final Instant T0 = Instant.parse("2026-12-07T06:00:00Z");
    final SimulatedClock clock = new SimulatedClock(T0);
    final CountDownLatch release = new CountDownLatch(1);
    AppWork work;

    @AfterEach
    void unblock() {
        release.countDown();
        if (work != null) {
            work.close();
        }
    }

    @Test
    void aTickThatRunsPastItsLimitIsReportedStuckSinceItStarted() throws Exception {
        LoopHealth health = new LoopHealth(clock);
        CountDownLatch entered = new CountDownLatch(1);
        Runnable tick = health.watch("supervisor", Duration.ofSeconds(30), () -> {
            entered.countDown();
            await(release);
        });
        Thread t = new Thread(tick);
        t.start();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        clock.advance(Duration.ofSeconds(30));
        assertThat(health.problems()).as("at the limit, not past it").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(health.problems()).singleElement().satisfies(p -> {
            assertThat(p.loop()).isEqualTo("supervisor");
            assertThat(p.state()).isEqualTo("stuck");
            assertThat(p.since()).isEqualTo(T0);
            assertThat(p.detail()).contains("31 s", "limit 30 s");
        });

        release.countDown();
        t.join(10_000);
        assertThat(health.problems()).as("the tick ended").isEmpty();
    }

    @Test
    void aLoopWhoseNextTickDoesNotStartIsReportedStarvedSinceItsLastTickEnded() {
        LoopHealth health = new LoopHealth(clock);
        Runnable tick = health.watch("rollouts", Duration.ofSeconds(30), () -> { });
        tick.run();
        clock.advance(Duration.ofSeconds(20));
        tick.run();
        Instant lastEnd = clock.instant();

        clock.advance(Duration.ofSeconds(31));

        assertThat(health.problems()).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo("starved");
            assertThat(p.since()).isEqualTo(lastEnd);
        });
        health.forget("rollouts");
        assertThat(health.problems()).as("a ticker stopped on purpose is not watched").isEmpty();
    }

    @Test
    void oneAppsHungWorkIsSkippedWhileTheOtherAppsStillRunAndIsReported() throws Exception {
        work = new AppWork("supervisor", Duration.ofMillis(200), clock);
        AtomicInteger starts = new AtomicInteger();
        AtomicInteger others = new AtomicInteger();

        boolean finished = work.run("huge-spec", () -> {
            starts.incrementAndGet();
            await(release);
        });
        assertThat(finished).as("the hung work outlived the limit").isFalse();
        assertThat(work.run("web", others::incrementAndGet)).isTrue();
        assertThat(work.run("huge-spec", starts::incrementAndGet)).as("not started twice").isFalse();
        assertThat(starts).hasValue(1);
        assertThat(others).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(work.problems()).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo("stuck");
            assertThat(p.since()).isEqualTo(T0);
            assertThat(p.detail()).contains("'huge-spec'");
        });

        release.countDown();
        assertThat(runOnceFree("huge-spec", starts::incrementAndGet)).as("runs again once the hung work ended")
                .isTrue();
        assertThat(starts).hasValue(2);
        assertThat(work.problems()).isEmpty();
    }

    /** Retries until the app's earlier work has ended (its future completes just after the latch opens). */
    private boolean runOnceFree(String app, Runnable r) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (work.run(app, r)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
