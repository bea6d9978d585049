package dev.deployguard.analysis.metric;

/** Where a metric's value comes from: one query per provider kind. */
public sealed interface Provider {
    /** The provider's name as written in the spec. */
    String kind();

    /**
     * A built-in measurement: the router's {@code errorRate}, {@code latencyP50/P95/P99}, {@code requestRate}, and
     * resource efficiency, {@code cpuPerRequest} (CPU seconds) and {@code memoryPerRequest} (resident bytes), from
     * {@code /proc} on one host and from Prometheus' container metrics on Kubernetes.
     */
    record Router(String measure) implements Provider {
        public static final java.util.Set<String> MEASURES = java.util.Set.of("errorRate", "latencyP50",
                "latencyP95", "latencyP99", "requestRate", "cpuPerRequest", "memoryPerRequest");

        @Override
        public String kind() {
            return "router";
        }
    }

    /** A PromQL query; {@code {{track}}} is replaced by {@code stable} or {@code canary} for relative metrics. */
    record Prometheus(String url, String query) implements Provider {
        @Override
        public String kind() {
            return "prometheus";
        }
    }

    /** A JSON endpoint and a JSON pointer to the value (Argo's web provider's {@code jsonPath}). */
    record Web(String url, String jsonPath) implements Provider {
        @Override
        public String kind() {
            return "web";
        }
    }
}
