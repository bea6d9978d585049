package dev.deployguard.analysis;

import java.time.Instant;
import java.util.Objects;

/**
 * One measurement of a custom metric on both tracks (a relative metric of the analysis, issue 11 item 2): what its
 * provider answered for the canary and for stable at {@code at}. Kayenta compares such series per metric; a judge
 * that does not judge custom metrics ignores them ({@link Judge#observeMetric}).
 *
 * @param metric the metric's name in the analysis
 * @param canary the canary's value (NaN when the provider had none, as a Kayenta series holds NaN)
 * @param stable stable's value (NaN likewise)
 */
public record MetricSample(String metric, Instant at, double canary, double stable) {
    public MetricSample {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(at, "at");
        if (Double.isInfinite(canary) || Double.isInfinite(stable)) {
            throw new IllegalArgumentException(metric + ": a metric value must be finite or NaN");
        }
    }
}
