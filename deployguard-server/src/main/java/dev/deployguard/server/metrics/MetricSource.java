package dev.deployguard.server.metrics;

import dev.deployguard.analysis.WindowObservation;
import java.time.Instant;

/**
 * Where canary analysis reads one aligned window of stable and canary traffic from (the built-in router, Prometheus,
 * a web/JSON endpoint).
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
}
