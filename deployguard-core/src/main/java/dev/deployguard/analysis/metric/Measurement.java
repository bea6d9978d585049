package dev.deployguard.analysis.metric;

import java.time.Instant;
import java.util.Objects;

/**
 * One measurement of one metric: the provider's result and the phase its conditions gave it.
 *
 * @param value the result the conditions saw (a number, a list, a map), null for an Error
 * @param message why the measurement is Error, or empty
 */
public record Measurement(Instant at, MetricPhase phase, Object value, String message) {
    public Measurement {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(phase, "phase");
        if (!phase.completed()) {
            throw new IllegalArgumentException("a measurement is completed, got " + phase);
        }
        message = message == null ? "" : message;
    }

    /** A provider error or an unevaluable condition (Argo's Error phase). */
    public static Measurement error(Instant at, String message) {
        return new Measurement(at, MetricPhase.ERROR, null, message);
    }
}
