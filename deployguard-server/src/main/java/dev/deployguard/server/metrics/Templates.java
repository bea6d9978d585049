package dev.deployguard.server.metrics;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** Placeholder expansion shared by the metric sources. */
final class Templates {
    private Templates() {
    }

    /**
     * Replaces {@code {{window}}} with the window's length as a Prometheus duration ({@code 30s}, or {@code 1500ms}
     * when not whole seconds), {@code {{start}}} and {@code {{end}}} with epoch seconds (millisecond precision, no trailing zeros).
     */
    static String expand(String template, Instant start, Instant end) {
        return template.replace("{{window}}", promDuration(window(start, end)))
                .replace("{{start}}", epochSeconds(start))
                .replace("{{end}}", epochSeconds(end));
    }

    /**
     * The window's length between its edges truncated to the millisecond, as Prometheus reads them: a query evaluated at
     * the end with {@code offset {{window}}} then looks at exactly the previous window's end, so consecutive windows
     * leave no millisecond between them uncounted.
     */
    static Duration window(Instant start, Instant end) {
        return Duration.ofMillis(end.toEpochMilli() - start.toEpochMilli());
    }

    static String promDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    /** Epoch seconds with millisecond precision, truncated to the millisecond (as Prometheus reads them). */
    static String epochSeconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }
}
