package dev.deployguard.server.metrics;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.rollout.MetricSourceSpec;
import java.net.URI;

/** The query-based metric sources a spec names ({@code analysis.source}): Prometheus or a web/JSON endpoint. */
public final class MetricSources {
    private MetricSources() {
    }

    /** A Prometheus or web source as the spec describes it; the bearer token is read from the named variable. */
    public static MetricSource of(MetricSourceSpec spec) {
        if (spec.kind().equals("web")) {
            String token = spec.bearerTokenEnv() == null ? null : System.getenv(spec.bearerTokenEnv());
            return new WebSource(new WebSource.Config(spec.url(), token, spec.stableRequests(), spec.stableErrors(),
                    spec.canaryRequests(), spec.canaryErrors(), spec.timeout()));
        }
        return new PrometheusSource(new PrometheusSource.Config(URI.create(spec.url()),
                PrometheusSource.TrackQueries.counts(spec.stableRequests(), spec.stableErrors()),
                PrometheusSource.TrackQueries.counts(spec.canaryRequests(), spec.canaryErrors()), 1000,
                spec.timeout()));
    }
}
