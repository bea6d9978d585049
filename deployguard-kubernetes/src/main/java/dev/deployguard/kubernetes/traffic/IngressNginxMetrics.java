package dev.deployguard.kubernetes.traffic;

import dev.deployguard.rollout.MetricSourceSpec;
import java.time.Duration;

/**
 * The default analysis source of a canary behind ingress-nginx: Prometheus queries over the controller's
 * {@code nginx_ingress_controller_requests} counter. ingress-nginx merges a canary Ingress into the app's Ingress as an
 * alternative backend, so every request through the app's host and paths carries the app's Ingress in
 * {@code ingress} (and its stable Service in {@code service}), whichever backend served it; a request the canary served
 * has the canary upstream's name ({@code <namespace>-<service>-<port>}) in {@code canary}, stable's have it empty.
 * Errors are 5xx answers ({@code status} holds the code, or {@code 5xx} with {@code --report-status-classes}).
 *
 * <p>Each count is the growth of the counters between the window's start and end, series by series: the value at the
 * end less the value at the start ({@code offset {{window}}}), or the value at the end for a series that was born in the
 * window or whose counter was reset (a restarted controller). Unlike {@code increase()}, this needs no two samples
 * inside the window (the analysis interval, 5 s by default, is usually shorter than the scrape interval, and
 * {@code increase()} then returns nothing), is not extrapolated, counts a series' first requests, and adds up exactly
 * over consecutive windows, which is how the judges accumulate evidence.
 */
public final class IngressNginxMetrics {
    private IngressNginxMetrics() {
    }

    /** Prometheus queries for stable and canary requests and errors through {@code ingress} in {@code namespace}. */
    public static MetricSourceSpec source(String prometheusUrl, String namespace, String ingress) {
        String stable = selector(namespace, ingress, "canary=\"\"");
        String canary = selector(namespace, ingress, "canary!=\"\"");
        return new MetricSourceSpec("prometheus", prometheusUrl,
                growth(stable), growth(stable + ",status=~\"5..\""),
                growth(canary), growth(canary + ",status=~\"5..\""),
                null, Duration.ofSeconds(10));
    }

    private static String selector(String namespace, String ingress, String track) {
        return "namespace=\"" + quote(namespace) + "\",ingress=\"" + quote(ingress) + "\"," + track;
    }

    /** The selected counters' growth in the window (a negative difference is a reset: the value since the reset). */
    private static String growth(String selector) {
        String counters = "nginx_ingress_controller_requests{" + selector + "}";
        return "sum(((" + counters + " - " + counters + " offset {{window}}) >= 0) or " + counters + ")";
    }

    /** PromQL string escaping for label values (Kubernetes names cannot hold quotes, but be exact). */
    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
