package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code --max-age} and {@code --every} of the backup commands: the forms docs/backup.md shows work. */
class DurationOptionsTest {
    @Test
    void daysAndTheSpecFormsAreAccepted() {
        assertThat(DurationOptions.positive("--max-age", "30d")).isEqualTo(Duration.ofDays(30));
        assertThat(DurationOptions.positive("--max-age", "7d")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationOptions.positive("--max-age", "1d12h")).isEqualTo(Duration.ofHours(36));
        assertThat(DurationOptions.positive("--every", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationOptions.positive("--every", "90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationOptions.positive("--every", "PT2H")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void zeroAndNonsenseAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> DurationOptions.positive("--max-age", "0d")).isInstanceOf(DeployGuardException.class)
                .hasMessage("--max-age: must be longer than 0, got '0d'");
        assertThatThrownBy(() -> DurationOptions.positive("--every", "0s"))
                .hasMessage("--every: must be longer than 0, got '0s'");
        for (String bad : new String[] {"soon", "", "30 d", "d", "1d1d", "-1d", "30days"}) {
            assertThatThrownBy(() -> DurationOptions.positive("--max-age", bad)).as(bad)
                    .isInstanceOf(DeployGuardException.class)
                    .hasMessage("--max-age: expected a duration such as 30d, 12h, 30m or 1d12h, got '" + bad + "'");
        }
    }
}
