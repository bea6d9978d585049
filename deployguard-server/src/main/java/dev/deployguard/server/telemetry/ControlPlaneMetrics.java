package dev.deployguard.server.telemetry;

import dev.deployguard.server.ControlPlane;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** Placeholder. */
public final class ControlPlaneMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public ControlPlaneMetrics(ControlPlane cp) {
    }

    public String scrape() {
        return registry.scrape();
    }
}
