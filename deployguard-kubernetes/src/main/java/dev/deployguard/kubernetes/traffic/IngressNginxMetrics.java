package dev.deployguard.kubernetes.traffic;

import dev.deployguard.rollout.MetricSourceSpec;
import java.time.Duration;

/**
 * The default analysis source of a canary behind ingress-nginx: Prometheus queries over the controller's
 * {@code nginx_ingress_controller_requests} counter, which labels each request with the app's Ingress and, for
 * requests the canary served, a non-empty {@code canary} label. Errors are 5xx answers. Templates use the
 * {@code {{window}}} placeholder the Prometheus source fills with the analysis window.
 */
public final class IngressNginxMetrics {
    private IngressNginxMetrics() {
    }

    /** Prometheus queries for stable and canary requests and errors through {@code ingress} in {@code namespace}. */
    public static MetricSourceSpec source(String prometheusUrl, String namespace, String ingress) {
        String stable = selector(namespace, ingress, "canary=\"\"");
        String canary = selector(namespace, ingress, "canary!=\"\"");
        return new MetricSourceSpec("prometheus", prometheusUrl,
                increase(stable, ""), increase(stable, ",status=~\"5..\""),
                increase(canary, ""), increase(canary, ",status=~\"5..\""),
                null, Duration.ofSeconds(10));
    }

    private static String selector(String namespace, String ingress, String track) {
        return "namespace=\"" + quote(namespace) + "\",ingress=\"" + quote(ingress) + "\"," + track;
    }

    private static String increase(String selector, String extra) {
        return "sum(increase(nginx_ingress_controller_requests{" + selector + extra + "}[{{window}}]))";
    }

    /** PromQL string escaping for label values (Kubernetes names cannot hold quotes, but be exact). */
    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
