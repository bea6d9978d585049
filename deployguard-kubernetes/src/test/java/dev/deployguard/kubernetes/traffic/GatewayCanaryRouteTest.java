package dev.deployguard.kubernetes.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GatewayCanaryRouteTest {
    private CrudApiServer api;
    private KubernetesClient client;
    private GatewayCanaryRoute route;

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
        client = api.newClient();
        route = new GatewayCanaryRoute(client, "shop", "web", "web");
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** The user's route: an app rule on Service web with a timeout, and a rule for another Service. */
    private HTTPRoute userRoute() {
        return client.resource(new HTTPRouteBuilder()
                .withNewMetadata().withName("web").withNamespace("shop")
                .withAnnotations(Map.of("team.example/owner", "payments")).endMetadata()
                .withNewSpec()
                .addNewParentRef().withName("edge").withNamespace("infra").endParentRef()
                .withHostnames("shop.example")
                .addNewRule()
                .addNewMatch().withNewPath().withType("PathPrefix").withValue("/").endPath().endMatch()
                .addNewBackendRef().withName("web").withPort(80).endBackendRef()
                .withNewTimeouts().withRequest("10s").endTimeouts()
                .endRule()
                .addNewRule()
                .addNewMatch().withNewPath().withType("PathPrefix").withValue("/static").endPath().endMatch()
                .addNewBackendRef().withName("cdn").withPort(80).endBackendRef()
                .endRule()
                .endSpec().build()).create();
    }

    private HTTPRoute stored() {
        return client.resources(HTTPRoute.class).inNamespace("shop").withName("web").get();
    }

    @Test
    void openAddsTheCanaryBackendAtZeroAndATesterRule() {
        HTTPRoute before = userRoute();

        route.open();

        HTTPRoute after = stored();
        List<HTTPRouteRule> rules = after.getSpec().getRules();
        assertThat(rules).hasSize(3);
        HTTPRouteRule app = rules.get(0);
        assertThat(app.getBackendRefs()).extracting(HTTPBackendRef::getName, HTTPBackendRef::getWeight,
                HTTPBackendRef::getPort).containsExactly(
                org.assertj.core.groups.Tuple.tuple("web", 10_000, 80),
                org.assertj.core.groups.Tuple.tuple("web-canary", 0, 80));
        assertThat(app.getTimeouts().getRequest()).isEqualTo("10s");
        assertThat(rules.get(1)).isEqualTo(before.getSpec().getRules().get(1));
        HTTPRouteRule testers = rules.get(2);
        assertThat(testers.getName()).isEqualTo("deployguard-testers-0");
        assertThat(testers.getMatches()).singleElement().satisfies(m -> {
            assertThat(m.getPath().getValue()).isEqualTo("/");
            assertThat(m.getHeaders()).singleElement().satisfies(h -> {
                assertThat(h.getName()).isEqualTo("X-Canary");
                assertThat(h.getValue()).isEqualTo("always");
                assertThat(h.getType()).isEqualTo("Exact");
            });
        });
        assertThat(testers.getBackendRefs()).extracting(HTTPBackendRef::getName).containsExactly("web-canary");
        assertThat(testers.getTimeouts().getRequest()).isEqualTo("10s");
        assertThat(after.getSpec().getParentRefs()).isEqualTo(before.getSpec().getParentRefs());
        assertThat(after.getSpec().getHostnames()).containsExactly("shop.example");
        assertThat(after.getMetadata().getAnnotations()).isEqualTo(before.getMetadata().getAnnotations());
        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void setWeightSplitsInBasisPointsInOneUpdate() throws Exception {
        userRoute();
        route.open();
        api.takeRequests();

        route.setWeight(50);

        assertThat(api.takeRequests()).containsExactly(
                "GET /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web",
                "PUT /apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web");
        HTTPRouteRule app = stored().getSpec().getRules().get(0);
        assertThat(app.getBackendRefs()).extracting(HTTPBackendRef::getWeight).containsExactly(9_950, 50);
        assertThat(stored().getSpec().getRules().get(2).getBackendRefs()).extracting(HTTPBackendRef::getWeight)
                .containsExactly(1);
        assertThat(route.weight()).isEqualTo(OptionalInt.of(50));
    }

    @Test
    void openTwiceAddsNothingTwiceAndResetsTheWeight() {
        userRoute();
        route.open();
        route.setWeight(2_000);

        route.open();

        HTTPRoute after = stored();
        assertThat(after.getSpec().getRules()).hasSize(3);
        assertThat(after.getSpec().getRules().get(0).getBackendRefs()).extracting(HTTPBackendRef::getWeight)
                .containsExactly(10_000, 0);
    }

    @Test
    void closeGivesTheUserTheirRouteBack() {
        HTTPRoute before = userRoute();
        route.open();
        route.setWeight(7_000);

        route.close();

        assertThat(stored().getSpec()).isEqualTo(before.getSpec());
        assertThat(route.weight()).isEmpty();
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        assertThatThrownBy(route::open).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("HTTPRoute shop/web does not exist");
        HTTPRoute before = userRoute();
        assertThatThrownBy(() -> new GatewayCanaryRoute(client, "shop", "web", "api").open())
                .hasMessageContaining("no rule with a backendRef to Service api");
        assertThatThrownBy(() -> route.setWeight(100)).hasMessageContaining("has no canary backend (web-canary)");
        assertThatThrownBy(() -> route.setWeight(-1)).hasMessageContaining("0..10000 basis points");
        assertThat(stored().getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    }
}
