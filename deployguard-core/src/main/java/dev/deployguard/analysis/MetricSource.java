package dev.deployguard.analysis;

import java.time.Instant;

/**
 * Where canary analysis reads one aligned window of stable and canary traffic from: one implementation per provider,
 * in its adapter (the built-in router's per-request windows in {@code deployguard-local}; Prometheus and web/JSON
 * queries in the server's {@code metrics} package). The rollout runner asks only this interface.
 *
 * <p>Implementations never throw for a source failure: when the source cannot answer (unreachable, timeout, error
 * response, unexpected data) they return {@link WindowObservation#missing(Instant, Instant, String)} with a precise
 * reason, so that a source error can never look like a failing canary.
 */
public interface MetricSource {
    /**
     * @param start window start (inclusive)
     * @param end window end (exclusive), after {@code start}
     * @return the measured window, or a missing window saying why it could not be measured
     */
    WindowObservation window(Instant start, Instant end);

    /** A source with nothing to measure: every window is missing, for {@code reason}. */
    static MetricSource none(String reason) {
        return (start, end) -> WindowObservation.missing(start, end, reason);
    }
}
