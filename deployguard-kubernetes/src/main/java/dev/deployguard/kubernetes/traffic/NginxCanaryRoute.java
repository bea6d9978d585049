package dev.deployguard.kubernetes.traffic;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The ingress-nginx canary: a second Ingress, {@code <ingress>-canary}, copied from the app's Ingress with every
 * backend on the stable Service pointed at {@code <service>-canary}, and ingress-nginx's canary annotations. The
 * weight is written as {@code canary-weight} out of {@code canary-weight-total: 10000}, so basis points survive;
 * {@code canary-by-header: X-Canary} with value {@code always} lets testers reach the canary at any weight.
 * The app's own Ingress is only read, never written.
 */
public final class NginxCanaryRoute implements CanaryRoute {
    static final String NGINX = "nginx.ingress.kubernetes.io/";
    public static final String CANARY = NGINX + "canary";
    public static final String WEIGHT = NGINX + "canary-weight";
    public static final String WEIGHT_TOTAL = NGINX + "canary-weight-total";
    public static final String BY_HEADER = NGINX + "canary-by-header";
    public static final String BY_HEADER_VALUE = NGINX + "canary-by-header-value";
    /** Label on the objects DeployGuard creates. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    private final KubernetesClient client;
    private final String namespace;
    private final String ingress;
    private final String stableService;
    private final String canaryService;

    /**
     * @param ingress the app's Ingress (must route to {@code stableService})
     * @param stableService the Service stable pods are reached through; the canary's is {@code <it>-canary}
     */
    public NginxCanaryRoute(KubernetesClient client, String namespace, String ingress, String stableService) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.ingress = Objects.requireNonNull(ingress, "ingress");
        this.stableService = Objects.requireNonNull(stableService, "stableService");
        this.canaryService = stableService + "-canary";
    }

    public String canaryIngress() {
        return ingress + "-canary";
    }

    @Override
    public void open() {
        Ingress main = ClusterCalls.call("read Ingress " + namespace + "/" + ingress, () -> ingresses(ingress).get());
        if (main == null) {
            throw DeployGuardException.notFound("Ingress " + namespace + "/" + ingress + " does not exist: "
                    + "platform.kubernetes.traffic.ingressNginx.ingress must name the app's Ingress, which routes to"
                    + " Service " + stableService);
        }
        Ingress canary = canaryCopyOf(main);
        String what = "create or reset canary Ingress " + namespace + "/" + canaryIngress();
        ClusterCalls.retryOnConflict(what, () -> {
            Ingress existing = ingresses(canaryIngress()).get();
            if (existing == null) {
                return client.resource(canary).create();
            }
            canary.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            Map<String, String> annotations = new LinkedHashMap<>(orEmpty(existing.getMetadata().getAnnotations()));
            annotations.putAll(canary.getMetadata().getAnnotations());
            canary.getMetadata().setAnnotations(annotations);
            return client.resource(canary).update();
        });
    }

    @Override
    public void setWeight(int basisPoints) {
        CanaryRoute.requireWeight(basisPoints);
        String what = "set the canary weight on Ingress " + namespace + "/" + canaryIngress();
        ClusterCalls.retryOnConflict(what, () -> {
            Ingress existing = ingresses(canaryIngress()).get();
            if (existing == null) {
                throw DeployGuardException.notFound("canary Ingress " + namespace + "/" + canaryIngress()
                        + " does not exist: the canary route was never opened or was removed; start the canary again");
            }
            Map<String, String> annotations = orEmpty(existing.getMetadata().getAnnotations());
            String weight = Integer.toString(basisPoints);
            if (weight.equals(annotations.get(WEIGHT)) && "10000".equals(annotations.get(WEIGHT_TOTAL))) {
                return existing;
            }
            Ingress changed = client.getKubernetesSerialization().clone(existing);
            Map<String, String> next = new LinkedHashMap<>(annotations);
            next.put(WEIGHT, weight);
            next.put(WEIGHT_TOTAL, "10000");
            changed.getMetadata().setAnnotations(next);
            return client.resource(changed).update();
        });
    }

    @Override
    public OptionalInt weight() {
        Ingress existing = ClusterCalls.call("read Ingress " + namespace + "/" + canaryIngress(),
                () -> ingresses(canaryIngress()).get());
        if (existing == null) {
            return OptionalInt.empty();
        }
        Map<String, String> a = orEmpty(existing.getMetadata().getAnnotations());
        try {
            long weight = Long.parseLong(a.getOrDefault(WEIGHT, "0"));
            long total = Long.parseLong(a.getOrDefault(WEIGHT_TOTAL, "100"));
            return OptionalInt.of((int) Math.round(weight * (double) Track.FULL / total));
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput("canary Ingress " + namespace + "/" + canaryIngress()
                    + " has a weight annotation that is not a number (" + a.get(WEIGHT) + " / " + a.get(WEIGHT_TOTAL)
                    + "); fix or delete the annotation");
        }
    }

    @Override
    public void close() {
        ClusterCalls.call("delete canary Ingress " + namespace + "/" + canaryIngress(),
                () -> ingresses(canaryIngress()).delete());
    }

    private Resource<Ingress> ingresses(String name) {
        return client.network().v1().ingresses().inNamespace(namespace).withName(name);
    }

    /** The canary Ingress: the main one's hosts, paths and TLS, only the backends on the stable Service. */
    private Ingress canaryCopyOf(Ingress main) {
        Ingress copy = client.getKubernetesSerialization().clone(main);
        Map<String, String> annotations = new LinkedHashMap<>(orEmpty(main.getMetadata().getAnnotations()));
        annotations.keySet().removeIf(k -> k.startsWith(NGINX + "canary"));
        annotations.put(CANARY, "true");
        annotations.put(WEIGHT, "0");
        annotations.put(WEIGHT_TOTAL, "10000");
        annotations.put(BY_HEADER, TESTER_HEADER);
        annotations.put(BY_HEADER_VALUE, TESTER_VALUE);
        Map<String, String> labels = new LinkedHashMap<>(orEmpty(main.getMetadata().getLabels()));
        labels.put(MANAGED_BY, "deployguard");
        copy.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(canaryIngress()).withNamespace(namespace)
                .withLabels(labels).withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("networking.k8s.io/v1")
                        .withKind("Ingress").withName(main.getMetadata().getName())
                        .withUid(main.getMetadata().getUid()).build())
                .build());
        copy.setStatus(null);
        int moved = 0;
        if (copy.getSpec().getDefaultBackend() != null) {
            if (isStable(copy.getSpec().getDefaultBackend())) {
                copy.getSpec().getDefaultBackend().getService().setName(canaryService);
                moved++;
            } else {
                copy.getSpec().setDefaultBackend(null);
            }
        }
        List<IngressRule> rules = new ArrayList<>();
        for (IngressRule rule : orEmpty(copy.getSpec().getRules())) {
            if (rule.getHttp() == null) {
                continue;
            }
            List<HTTPIngressPath> paths = new ArrayList<>();
            for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                if (isStable(path.getBackend())) {
                    path.getBackend().getService().setName(canaryService);
                    paths.add(path);
                }
            }
            if (!paths.isEmpty()) {
                rule.getHttp().setPaths(paths);
                rules.add(rule);
                moved += paths.size();
            }
        }
        if (moved == 0) {
            throw DeployGuardException.badInput("Ingress " + namespace + "/" + ingress + " has no backend on Service "
                    + stableService + ": the canary can only split traffic the Ingress sends to that Service; fix"
                    + " platform.kubernetes.service or the Ingress");
        }
        copy.getSpec().setRules(rules);
        return copy;
    }

    private boolean isStable(IngressBackend backend) {
        return backend != null && backend.getService() != null && stableService.equals(backend.getService().getName());
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
