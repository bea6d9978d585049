package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PassiveHealthTest {
    private static final class MovableClock extends Clock {
        long millis = 1_000_000;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void anEjectedBackendIsOutForTheCoolDownThenBackAndTheReportKeepsItsHistory() {
        MovableClock clock = new MovableClock();
        PassiveHealth health = new PassiveHealth(clock, 5_000);

        health.eject("127.0.0.1:8081", "connection refused");

        assertThat(health.isEjected("127.0.0.1:8081")).isTrue();
        assertThat(health.isEjected("127.0.0.1:8082")).isFalse();
        clock.millis += 4_999;
        assertThat(health.isEjected("127.0.0.1:8081")).isTrue();
        clock.millis += 1;
        assertThat(health.isEjected("127.0.0.1:8081")).isFalse();

        health.eject("127.0.0.1:8081", "Connection reset by peer");
        assertThat(health.report()).containsExactly(new RouterMetrics.BackendHealth("127.0.0.1:8081", true,
                clock.millis + 5_000, 2, "Connection reset by peer"));
    }

    @Test
    void theRetryBudgetAllowsTheMinimumPlusAShareOfTheSecondsRequests() {
        RetryBudget budget = new RetryBudget(new RetryPolicy(java.util.Set.of(503), 20, 2, 1_000));
        for (int i = 0; i < 10; i++) {
            budget.onRequest();
        }

        // 2 always + 20 % of 10 requests = 4 retries this second.
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isFalse();
        budget.roll();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.retried()).isEqualTo(5);
        assertThat(budget.refused()).isEqualTo(1);
    }
}
