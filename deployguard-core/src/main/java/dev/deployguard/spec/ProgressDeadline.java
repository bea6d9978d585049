package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code progressDeadlineSeconds} of a canary or blue/green strategy, as Flagger's Canary spec (and Argo Rollouts')
 * names it: a whole number of seconds above 0. Flagger reads it as an int32 and defaults it to 600; here an absent
 * field leaves the deadline to {@code --timeout} or {@code platform.kubernetes.rolloutTimeout} (also 10 minutes).
 */
final class ProgressDeadline {
    private ProgressDeadline() {
    }

    /** The deadline, or empty when the field is absent or wrong (then a problem naming {@code at} is added). */
    static Optional<Duration> parse(JsonNode raw, String at, List<String> problems) {
        if (raw == null) {
            return Optional.empty();
        }
        if (!raw.isIntegralNumber() || !raw.canConvertToLong()) {
            problems.add(at + ": expected a whole number of seconds above 0, e.g. 600 (Flagger's default), got "
                    + (raw.isNull() ? "nothing" : raw.isTextual() ? "'" + raw.asText() + "'" : raw.toString()));
            return Optional.empty();
        }
        long seconds = raw.longValue();
        if (seconds < 1 || seconds > Integer.MAX_VALUE) {
            problems.add(at + ": expected a whole number of seconds above 0 (at most " + Integer.MAX_VALUE
                    + "), e.g. 600 (Flagger's default), got " + seconds);
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(seconds));
    }
}
