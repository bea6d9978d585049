package dev.deployguard.kubernetes.traffic;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.traffic.Track;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * The Gateway API canary: in the app's {@code HTTPRoute}, every rule that sends traffic to the stable Service gets
 * a second backendRef, {@code <service>-canary}; the two weights are {@code 10000 - w} and {@code w} (Gateway API
 * weights are relative, so basis points work as they are). For testers, each such rule gets a twin named
 * {@code deployguard-testers-N} whose matches also require {@code X-Canary: always} and which goes only to the
 * canary. Nothing else in the route is touched.
 */
public final class GatewayCanaryRoute implements CanaryRoute {
    /** Name prefix of the tester rules DeployGuard adds. */
    public static final String TESTER_RULE = "deployguard-testers-";
    /** Gateway API allows at most this many rules in one HTTPRoute. */
    static final int MAX_RULES = 16;

    private final KubernetesClient client;
    private final String namespace;
    private final String route;
    private final String stableService;
    private final String canaryService;

    public GatewayCanaryRoute(KubernetesClient client, String namespace, String route, String stableService) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.route = Objects.requireNonNull(route, "route");
        this.stableService = Objects.requireNonNull(stableService, "stableService");
        this.canaryService = stableService + "-canary";
    }

    @Override
    public void open() {
        edit("add the canary backend to HTTPRoute " + namespace + "/" + route, r -> {
            HTTPRoute next = withoutCanary(r);
            List<HTTPRouteRule> rules = new ArrayList<>(next.getSpec().getRules());
            List<HTTPRouteRule> testers = new ArrayList<>();
            for (HTTPRouteRule rule : rules) {
                HTTPBackendRef stable = stableRef(rule);
                if (stable == null) {
                    continue;
                }
                stable.setWeight(Track.FULL);
                HTTPBackendRef canary = client.getKubernetesSerialization().clone(stable);
                canary.setName(canaryService);
                canary.setWeight(0);
                rule.getBackendRefs().add(canary);
                testers.add(testerTwin(rule, canary, testers.size()));
            }
            if (testers.isEmpty()) {
                throw DeployGuardException.badInput("HTTPRoute " + namespace + "/" + route + " has no rule with a"
                        + " backendRef to Service " + stableService + ": the canary can only split traffic the route"
                        + " sends to that Service; fix platform.kubernetes.service or the route");
            }
            if (rules.size() + testers.size() > MAX_RULES) {
                throw DeployGuardException.badInput("HTTPRoute " + namespace + "/" + route + " would need "
                        + (rules.size() + testers.size()) + " rules with the tester rules, more than Gateway API's "
                        + MAX_RULES + "; split the route");
            }
            rules.addAll(testers);
            next.getSpec().setRules(rules);
            return next;
        });
    }

    @Override
    public void setWeight(int basisPoints) {
        CanaryRoute.requireWeight(basisPoints);
        edit("set the canary weight on HTTPRoute " + namespace + "/" + route, r -> {
            HTTPRoute next = client.getKubernetesSerialization().clone(r);
            boolean any = false;
            for (HTTPRouteRule rule : next.getSpec().getRules()) {
                HTTPBackendRef stable = stableRef(rule);
                HTTPBackendRef canary = ref(rule, canaryService);
                if (stable != null && canary != null && !isTester(rule)) {
                    stable.setWeight(Track.FULL - basisPoints);
                    canary.setWeight(basisPoints);
                    any = true;
                }
            }
            if (!any) {
                throw DeployGuardException.notFound("HTTPRoute " + namespace + "/" + route + " has no canary backend"
                        + " (" + canaryService + "): the canary route was never opened or was removed; start the"
                        + " canary again");
            }
            return next;
        });
    }

    @Override
    public OptionalInt weight() {
        HTTPRoute r = ClusterCalls.call("read HTTPRoute " + namespace + "/" + route, () -> routes().get());
        if (r == null || r.getSpec() == null || r.getSpec().getRules() == null) {
            return OptionalInt.empty();
        }
        for (HTTPRouteRule rule : r.getSpec().getRules()) {
            HTTPBackendRef canary = ref(rule, canaryService);
            if (canary != null && !isTester(rule)) {
                return OptionalInt.of(canary.getWeight() == null ? 1 : canary.getWeight());
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public void close() {
        edit("remove the canary backend from HTTPRoute " + namespace + "/" + route, this::withoutCanary);
    }

    /** One read-modify-write; no write when the change leaves the route as it is. */
    private void edit(String what, UnaryOperator<HTTPRoute> change) {
        ClusterCalls.retryOnConflict(what, () -> {
            HTTPRoute current = routes().get();
            if (current == null) {
                throw DeployGuardException.notFound("HTTPRoute " + namespace + "/" + route + " does not exist: "
                        + "platform.kubernetes.traffic.gatewayApi.httpRoute must name the app's HTTPRoute");
            }
            HTTPRoute next = change.apply(current);
            if (next.getSpec().equals(current.getSpec())) {
                return current;
            }
            return client.resource(next).update();
        });
    }

    /** A copy without the canary backendRefs and tester rules; a stable ref left alone keeps no weight. */
    private HTTPRoute withoutCanary(HTTPRoute r) {
        HTTPRoute next = client.getKubernetesSerialization().clone(r);
        List<HTTPRouteRule> rules = new ArrayList<>();
        for (HTTPRouteRule rule : orEmpty(next.getSpec().getRules())) {
            if (isTester(rule)) {
                continue;
            }
            HTTPBackendRef canary = ref(rule, canaryService);
            if (canary != null) {
                rule.getBackendRefs().remove(canary);
                HTTPBackendRef stable = stableRef(rule);
                if (stable != null && rule.getBackendRefs().size() == 1) {
                    stable.setWeight(null);
                }
            }
            rules.add(rule);
        }
        next.getSpec().setRules(rules);
        return next;
    }

    private HTTPRouteRule testerTwin(HTTPRouteRule rule, HTTPBackendRef canary, int index) {
        HTTPRouteRule twin = client.getKubernetesSerialization().clone(rule);
        twin.setName(TESTER_RULE + index);
        List<HTTPRouteMatch> matches = orEmpty(twin.getMatches()).isEmpty() ? List.of(new HTTPRouteMatch())
                : twin.getMatches();
        for (HTTPRouteMatch m : matches) {
            List<io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch> headers =
                    new ArrayList<>(orEmpty(m.getHeaders()));
            headers.add(new HTTPHeaderMatchBuilder().withType("Exact").withName(TESTER_HEADER)
                    .withValue(TESTER_VALUE).build());
            m.setHeaders(headers);
        }
        twin.setMatches(new ArrayList<>(matches));
        HTTPBackendRef only = client.getKubernetesSerialization().clone(canary);
        only.setWeight(1);
        twin.setBackendRefs(new ArrayList<>(List.of(only)));
        return twin;
    }

    private static boolean isTester(HTTPRouteRule rule) {
        return rule.getName() != null && rule.getName().startsWith(TESTER_RULE);
    }

    private HTTPBackendRef stableRef(HTTPRouteRule rule) {
        return ref(rule, stableService);
    }

    /** The rule's backendRef on the named Service in the route's namespace, if any. */
    private HTTPBackendRef ref(HTTPRouteRule rule, String service) {
        for (HTTPBackendRef b : orEmpty(rule.getBackendRefs())) {
            boolean isService = (b.getKind() == null || b.getKind().equals("Service"))
                    && (b.getGroup() == null || b.getGroup().isEmpty());
            boolean here = b.getNamespace() == null || b.getNamespace().equals(namespace);
            if (isService && here && service.equals(b.getName())) {
                return b;
            }
        }
        return null;
    }

    private Resource<HTTPRoute> routes() {
        return client.resources(HTTPRoute.class).inNamespace(namespace).withName(route);
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
