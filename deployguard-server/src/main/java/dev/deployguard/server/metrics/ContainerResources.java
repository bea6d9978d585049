package dev.deployguard.server.metrics;

import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Resource efficiency on Kubernetes (the built-in measures {@code cpuPerRequest} and {@code memoryPerRequest}): from
 * Prometheus' cAdvisor metrics of a track's pods — the increase of {@code container_cpu_usage_seconds_total} over the
 * metric's interval, or {@code container_memory_working_set_bytes} now — divided by the increase of the track's
 * requests over the same interval. The other built-in measures are the router's on one host; on Kubernetes they are
 * written as {@code prometheus} metrics.
 */
public final class ContainerResources implements MetricQuery {
    /** The window of a metric without an interval. */
    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    private final String prometheusUrl;
    private final Map<String, String> pods;
    private final Map<String, String> requests;
    private final MetricQuery prometheus;

    /**
     * @param pods per track ({@code stable}, {@code canary}): the label selector of its containers' cAdvisor series
     * @param requests per track: the selector of its request counter series (a full series selector)
     */
    public ContainerResources(String prometheusUrl, Map<String, String> pods, Map<String, String> requests,
                              Duration timeout) {
        this.prometheusUrl = prometheusUrl;
        this.pods = Map.copyOf(pods);
        this.requests = Map.copyOf(requests);
        this.prometheus = new ProviderQueries(timeout, (m, t, at) -> new Answer.Unavailable("not a query"));
    }

    /**
     * A canary behind ingress-nginx: stable's pods are {@code <deployment>-<hash>-<hash>}, the canary's
     * {@code <deployment>-canary-<hash>-<hash>} (see KubernetesCanary); requests are the controller's
     * {@code nginx_ingress_controller_requests} through the app's Ingress, the canary's with a non-empty
     * {@code canary} label (see IngressNginxMetrics).
     */
    public static ContainerResources ingressNginx(String prometheusUrl, String namespace, String deployment,
                                                  String ingress, Duration timeout) {
        String ns = "namespace=\"" + quote(namespace) + "\"";
        String containers = ",container!=\"\",container!=\"POD\"";
        String base = "nginx_ingress_controller_requests{" + ns + ",ingress=\"" + quote(ingress) + "\",";
        return new ContainerResources(prometheusUrl,
                Map.of("stable", ns + ",pod=~\"" + regex(deployment) + "-[a-z0-9]+-[a-z0-9]+\"" + containers,
                        "canary", ns + ",pod=~\"" + regex(deployment) + "-canary-[a-z0-9]+-[a-z0-9]+\"" + containers),
                Map.of("stable", base + "canary=\"\"}", "canary", base + "canary!=\"\"}"), timeout);
    }

    @Override
    public Answer query(MetricDefinition metric, String track, Instant at) {
        String measure = ((Provider.Router) metric.provider()).measure();
        String t = track == null ? "canary" : track;
        if (!measure.equals("cpuPerRequest") && !measure.equals("memoryPerRequest")) {
            return new Answer.Unavailable("the built-in measure " + measure + " is the router's, on one host; on"
                    + " Kubernetes write it as a prometheus metric");
        }
        String window = Templates.promDuration(metric.interval() == null ? DEFAULT_WINDOW : metric.interval());
        String used = measure.equals("cpuPerRequest")
                ? "sum(increase(container_cpu_usage_seconds_total{" + pods.get(t) + "}[" + window + "]))"
                : "sum(container_memory_working_set_bytes{" + pods.get(t) + "})";
        String served = "sum(increase(" + requests.get(t) + "[" + window + "]))";
        Answer a = number(used, at);
        if (a instanceof Answer.Unavailable) {
            return a;
        }
        Answer n = number(served, at);
        if (n instanceof Answer.Unavailable) {
            return n;
        }
        double resource = (Double) ((Answer.Value) a).result();
        double count = (Double) ((Answer.Value) n).result();
        if (count <= 0) {
            return new Answer.Unavailable("no requests on the " + t + " track in " + window + " (" + served
                    + "): no evidence, never a zero");
        }
        String what = measure.equals("cpuPerRequest") ? MetricAnalysis.format(resource) + " CPU s"
                : MetricAnalysis.format(resource / 1048576.0) + " MiB working set";
        return new Answer.Value(resource / count, what + " over " + MetricAnalysis.format(count) + " requests in "
                + window);
    }

    private Answer number(String promql, Instant at) {
        Answer a = prometheus.query(MetricDefinition.of("builtin", new Provider.Prometheus(prometheusUrl, promql)),
                null, at);
        if (a instanceof Answer.Value v && v.result() instanceof List<?> l) {
            return l.size() == 1 ? new Answer.Value(l.get(0)) : new Answer.Unavailable(promql + " returned "
                    + l.size() + " series; expected one");
        }
        return a;
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** A Kubernetes name inside a PromQL regex: its dots are literal. */
    private static String regex(String name) {
        return quote(name).replace(".", "\\\\.");
    }
}
