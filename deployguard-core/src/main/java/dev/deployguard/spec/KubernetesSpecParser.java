package dev.deployguard.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Validates an app's {@code platform.kubernetes} section (see {@link KubernetesSpec}). */
public final class KubernetesSpecParser {
    /** RFC 1123 label: what Kubernetes accepts as a namespace or Service name. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** RFC 1123 subdomain: what Kubernetes accepts as a Deployment, Ingress or HTTPRoute name. */
    private static final Pattern SUBDOMAIN = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Helm's release name rule. */
    private static final Pattern RELEASE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?");
    private static final Duration DEFAULT_ROLLOUT_TIMEOUT = Duration.ofMinutes(10);

    private KubernetesSpecParser() {
    }

    /** The section as written in YAML. */
    static final class Raw {
        public String namespace;
        public String context;
        public String kubeconfig;
        public String deployment;
        public String container;
        public RawHelm helm;
        public String service;
        public RawTraffic traffic;
        public String rolloutTimeout;
        public RawPrePull prePull;
    }

    /** {@code prePull} as written. */
    static final class RawPrePull {
        public Boolean enabled;
        public String timeout;
        public String helperImage;
    }

    /** {@code helm} as written. */
    static final class RawHelm {
        public String release;
        public String chart;
        public List<String> values;
        public String deployment;
    }

    /** {@code traffic} as written. */
    static final class RawTraffic {
        public RawIngressNginx ingressNginx;
        public RawGatewayApi gatewayApi;
        public RawLoadTargets loadTargets;
    }

    /** {@code traffic.loadTargets} as written. */
    static final class RawLoadTargets {
        public String stable;
        public String canary;
    }

    /** {@code traffic.ingressNginx} as written. */
    static final class RawIngressNginx {
        public String ingress;
    }

    /** {@code traffic.gatewayApi} as written. */
    static final class RawGatewayApi {
        public String httpRoute;
    }

    /** Returns null when the section is absent or has problems (each added to {@code problems} with its path). */
    public static KubernetesSpec parse(JsonNode node, String at, Path baseDir, List<String> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        Raw raw = SpecSections.read(node, Raw.class, at, problems);
        if (raw == null) {
            return null;
        }
        int before = problems.size();
        if (raw.namespace == null || raw.namespace.isBlank()) {
            problems.add(at + ".namespace: missing; expected the namespace the app runs in, e.g. namespace: shop");
        } else {
            name(raw.namespace, LABEL, at + ".namespace", "a namespace", problems);
        }
        if (raw.context != null && raw.context.isBlank()) {
            problems.add(at + ".context: empty; give a context name from your kubeconfig or leave it out");
        }
        name(raw.deployment, SUBDOMAIN, at + ".deployment", "a Deployment name", problems);
        name(raw.container, LABEL, at + ".container", "a container name", problems);
        name(raw.service, LABEL, at + ".service", "a Service name", problems);
        Path kubeconfig = raw.kubeconfig == null ? null : baseDir.resolve(raw.kubeconfig).normalize();
        KubernetesSpec.Helm helm = helm(raw.helm, at + ".helm", baseDir, problems);
        if (raw.helm != null && raw.deployment != null) {
            problems.add(at + ": give either deployment (a Deployment managed directly) or helm (a Helm release),"
                    + " not both");
        }
        KubernetesSpec.Traffic traffic = traffic(raw.traffic, at + ".traffic", problems);
        Duration timeout = SpecSections.duration(raw.rolloutTimeout, DEFAULT_ROLLOUT_TIMEOUT, at + ".rolloutTimeout",
                problems);
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            problems.add(at + ".rolloutTimeout: must be longer than 0, e.g. 10m");
        }
        KubernetesSpec.PrePull prePull = prePull(raw.prePull, at + ".prePull", raw.helm != null, problems);
        if (problems.size() != before) {
            return null;
        }
        return new KubernetesSpec(raw.namespace, raw.context, kubeconfig, raw.deployment, raw.container, helm,
                raw.service, traffic, timeout, prePull);
    }

    private static KubernetesSpec.PrePull prePull(RawPrePull raw, String at, boolean helm, List<String> problems) {
        if (raw == null) {
            return KubernetesSpec.PrePull.OFF;
        }
        boolean enabled = raw.enabled == null || raw.enabled;
        Duration timeout = SpecSections.duration(raw.timeout, KubernetesSpec.PrePull.DEFAULT_TIMEOUT,
                at + ".timeout", problems);
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            problems.add(at + ".timeout: must be longer than 0, e.g. 5m");
        }
        String helper = raw.helperImage == null ? KubernetesSpec.PrePull.DEFAULT_HELPER : raw.helperImage.strip();
        if (helper.isEmpty() || helper.chars().anyMatch(Character::isWhitespace)) {
            problems.add(at + ".helperImage: '" + raw.helperImage + "' is not an image reference, e.g. "
                    + KubernetesSpec.PrePull.DEFAULT_HELPER);
        }
        return timeout == null ? null : new KubernetesSpec.PrePull(enabled, timeout, helper);
    }

    private static KubernetesSpec.Helm helm(RawHelm raw, String at, Path baseDir, List<String> problems) {
        if (raw == null) {
            return null;
        }
        name(raw.release, RELEASE, at + ".release", "a Helm release name (at most 53 characters)", problems);
        name(raw.deployment, SUBDOMAIN, at + ".deployment", "a Deployment name", problems);
        if (raw.chart == null || raw.chart.isBlank()) {
            problems.add(at + ".chart: missing; expected a chart directory, e.g. chart: charts/web");
            return null;
        }
        boolean remote = raw.chart.startsWith("oci://") || raw.chart.startsWith("https://")
                || raw.chart.startsWith("http://");
        String chart = remote ? raw.chart : baseDir.resolve(raw.chart).normalize().toString();
        List<Path> values = new ArrayList<>();
        if (raw.values != null) {
            for (int i = 0; i < raw.values.size(); i++) {
                String v = raw.values.get(i);
                if (v == null || v.isBlank()) {
                    problems.add(at + ".values[" + i + "]: empty; expected a values file, e.g. values.yaml");
                } else {
                    values.add(baseDir.resolve(v).normalize());
                }
            }
        }
        return new KubernetesSpec.Helm(raw.release, chart, values, raw.deployment);
    }

    private static KubernetesSpec.Traffic traffic(RawTraffic raw, String at, List<String> problems) {
        if (raw == null) {
            return null;
        }
        if ((raw.ingressNginx == null) == (raw.gatewayApi == null)) {
            problems.add(at + ": expected exactly one router: ingressNginx: {ingress: NAME} or"
                    + " gatewayApi: {httpRoute: NAME}");
            return null;
        }
        if (raw.ingressNginx != null) {
            if (raw.ingressNginx.ingress == null) {
                problems.add(at + ".ingressNginx.ingress: missing; expected the stable Ingress's name");
                return null;
            }
            name(raw.ingressNginx.ingress, SUBDOMAIN, at + ".ingressNginx.ingress", "an Ingress name", problems);
            return new KubernetesSpec.Traffic(new KubernetesSpec.IngressNginx(raw.ingressNginx.ingress), null,
                    loadTargets(raw.loadTargets, at + ".loadTargets", problems));
        }
        if (raw.gatewayApi.httpRoute == null) {
            problems.add(at + ".gatewayApi.httpRoute: missing; expected the HTTPRoute's name");
            return null;
        }
        name(raw.gatewayApi.httpRoute, SUBDOMAIN, at + ".gatewayApi.httpRoute", "an HTTPRoute name", problems);
        return new KubernetesSpec.Traffic(null, new KubernetesSpec.GatewayApi(raw.gatewayApi.httpRoute),
                loadTargets(raw.loadTargets, at + ".loadTargets", problems));
    }

    private static KubernetesSpec.LoadTargets loadTargets(RawLoadTargets raw, String at, List<String> problems) {
        if (raw == null) {
            return null;
        }
        java.net.URI stable = httpBase(raw.stable, at + ".stable", problems);
        java.net.URI canary = httpBase(raw.canary, at + ".canary", problems);
        return stable == null || canary == null ? null : new KubernetesSpec.LoadTargets(stable, canary);
    }

    /** An http URL with a host and no path, query or fragment (the load's path is added to it). */
    private static java.net.URI httpBase(String value, String at, List<String> problems) {
        String example = "e.g. http://127.0.0.1:8081 (a kubectl port-forward) or http://10.0.0.7:30080 (a NodePort)";
        if (value == null || value.isBlank()) {
            problems.add(at + ": missing; expected the address the control plane reaches this track's Service at, "
                    + example);
            return null;
        }
        try {
            java.net.URI u = new java.net.URI(value.strip());
            if (!"http".equals(u.getScheme()) || u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty()
                    && !u.getPath().equals("/")) || u.getQuery() != null || u.getFragment() != null) {
                problems.add(at + ": '" + value + "' is not a plain http address without a path; " + example);
                return null;
            }
            return java.net.URI.create("http://" + u.getRawAuthority());
        } catch (java.net.URISyntaxException e) {
            problems.add(at + ": '" + value + "' is not a URL; " + example);
            return null;
        }
    }

    private static void name(String value, Pattern rule, String at, String what, List<String> problems) {
        if (value != null && !rule.matcher(value).matches()) {
            problems.add(at + ": '" + value + "' is not " + what + "; Kubernetes names are lowercase letters,"
                    + " digits and '-', starting and ending with a letter or digit");
        }
    }
}
