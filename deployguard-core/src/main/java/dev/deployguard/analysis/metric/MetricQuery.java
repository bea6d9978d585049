package dev.deployguard.analysis.metric;

import java.time.Instant;

/**
 * Runs one metric's provider query: implemented per provider in its adapter (router, Prometheus, web), asked only
 * through this interface. Like {@link dev.deployguard.analysis.MetricSource}, it never throws for a provider
 * failure: it answers {@link Answer.Unavailable} with the reason, which becomes an Error measurement (never a
 * Failed one).
 */
@FunctionalInterface
public interface MetricQuery {
    /**
     * @param track {@code canary} or {@code stable} for a relative metric, null for an absolute one
     */
    Answer query(MetricDefinition metric, String track, Instant at);

    /**
     * Called on every analysis tick, measurement due or not: a provider that computes values over windows of its own
     * (the built-in measures on one host) reads them here, so a measurement can look back over exactly its interval.
     */
    default void observe(Instant now) {
    }

    /** What a provider answered. */
    sealed interface Answer {
        /**
         * A number, a list of numbers (a vector) or a map (a JSON object).
         *
         * @param evidence what the value was computed from (counts, window), for verdicts; empty when nothing to add
         */
        record Value(Object result, String evidence) implements Answer {
            public Value {
                evidence = evidence == null ? "" : evidence;
            }

            public Value(Object result) {
                this(result, "");
            }
        }

        /** The provider could not answer: unreachable, timed out, rejected the query, no data. */
        record Unavailable(String reason) implements Answer {
        }
    }
}
