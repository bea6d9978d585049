package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesCompoundAndIsoForms() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void rejectsWithTheAcceptedForms() {
        for (String bad : new String[] {"", "5", "5 s", "-1s", "1d", "s5"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("500ms");
        }
    }

    @Test
    void formatsRoundTrip() {
        for (String s : new String[] {"250ms", "1m30s", "2h", "1h1m1s", "0s"}) {
            assertThat(Durations.format(Durations.parse(s))).isEqualTo(s);
        }
    }
}
