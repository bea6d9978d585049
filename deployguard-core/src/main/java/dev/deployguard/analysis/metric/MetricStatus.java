package dev.deployguard.analysis.metric;

import java.util.List;

/** One metric's phase, counters and measurements, as the {@code status} API shows them. */
public record MetricStatus(String name, MetricPhase phase, String message, boolean dryRun, int count,
                           int successful, int failed, int inconclusive, int error, int consecutiveSuccess,
                           int consecutiveError, List<Measurement> measurements) {
}
