package dev.deployguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SimulatedClockTest {
    @Test
    void movesOnlyWhenTold() {
        Instant t0 = Instant.parse("2026-12-07T10:00:00Z");
        SimulatedClock clock = new SimulatedClock(t0);

        assertThat(clock.instant()).isEqualTo(t0);
        assertThat(clock.instant()).isEqualTo(t0);
        clock.advance(Duration.ofMillis(1500));
        assertThat(clock.instant()).isEqualTo(t0.plusMillis(1500));
        assertThat(clock.millis()).isEqualTo(t0.toEpochMilli() + 1500);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }
}
