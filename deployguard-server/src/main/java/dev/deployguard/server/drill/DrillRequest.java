package dev.deployguard.server.drill;

import dev.deployguard.spec.DrillSpec;
import java.time.Duration;
import java.util.List;

/**
 * A drill as asked for: each field overrides the app's {@code drill} section when set.
 *
 * @param versions baseline and candidate, or empty
 * @param probes probe requests, or empty
 * @param timeout bound on each step, or null
 */
public record DrillRequest(String app, List<String> versions, List<DrillSpec.Probe> probes, Duration timeout) {
    public DrillRequest {
        versions = versions == null ? List.of() : List.copyOf(versions);
        probes = probes == null ? List.of() : List.copyOf(probes);
    }
}
