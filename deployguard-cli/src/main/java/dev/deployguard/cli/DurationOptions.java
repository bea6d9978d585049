package dev.deployguard.cli;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.Durations;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Duration options of the backup commands ({@code --max-age}, {@code --every}): the spec forms ({@code 500ms},
 * {@code 30s}, {@code 2m}, {@code 1h}, ISO-8601) plus whole days in front ({@code 7d}, {@code 1d12h}), since
 * retention is counted in days; must be longer than zero.
 */
final class DurationOptions {
    private static final Pattern DAYS = Pattern.compile("(\\d+)d(.*)");

    private DurationOptions() {
    }

    /** The duration, or a bad-input error that names the option, the value and the accepted forms. */
    static Duration positive(String option, String text) {
        Duration d;
        try {
            String t = text == null ? "" : text.trim();
            Matcher m = DAYS.matcher(t);
            d = m.matches() ? Duration.ofDays(Long.parseLong(m.group(1)))
                    .plus(m.group(2).isEmpty() ? Duration.ZERO : Durations.parse(m.group(2))) : Durations.parse(t);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw DeployGuardException.badInput(option + ": expected a duration such as 30d, 12h, 30m or 1d12h, got '"
                    + text + "'");
        }
        if (d.isZero() || d.isNegative()) {
            throw DeployGuardException.badInput(option + ": must be longer than 0, got '" + text + "'");
        }
        return d;
    }
}
