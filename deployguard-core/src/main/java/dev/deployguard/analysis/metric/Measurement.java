package dev.deployguard.analysis.metric;

import java.time.Instant;
import java.util.Objects;

/**
 * One measurement of one metric: the provider's result and the phase its conditions gave it.
 *
 * @param value the result the conditions saw (a number, a list, a map), null for an Error
 * @param message why the measurement is Error, or empty
 * @param canary a relative metric's canary value (the ratio's numerator), null otherwise
 * @param stable a relative metric's stable value (the ratio's denominator), null otherwise
 */
public record Measurement(Instant at, MetricPhase phase, Object value, String message, Double canary,
                          Double stable) {
    public Measurement {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(phase, "phase");
        if (!phase.completed()) {
            throw new IllegalArgumentException("a measurement is completed, got " + phase);
        }
        if ((canary == null) != (stable == null)) {
            throw new IllegalArgumentException("a relative measurement has both tracks' values or neither");
        }
        message = message == null ? "" : message;
    }

    /** A measurement of one value (an absolute metric, or a relative one before its tracks are attached). */
    public Measurement(Instant at, MetricPhase phase, Object value, String message) {
        this(at, phase, value, message, null, null);
    }

    /** A provider error or an unevaluable condition (Argo's Error phase). */
    public static Measurement error(Instant at, String message) {
        return new Measurement(at, MetricPhase.ERROR, null, message);
    }

    /** This measurement with a relative metric's per-track values. */
    public Measurement withTracks(double canaryValue, double stableValue) {
        return new Measurement(at, phase, value, message, canaryValue, stableValue);
    }

    /** Whether it carries both tracks' values (a relative metric measured on both). */
    public boolean hasTracks() {
        return canary != null;
    }
}
