package dev.deployguard.kubernetes.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NginxCanaryRouteTest {
    private CrudApiServer api;
    private KubernetesMockServer server;
    private KubernetesClient client;
    private NginxCanaryRoute route;

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
        server = api.server();
        client = api.newClient();
        route = new NginxCanaryRoute(client, "shop", "web", "web");
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    private Ingress mainIngress() {
        return client.resource(new IngressBuilder()
                .withNewMetadata().withName("web").withNamespace("shop")
                .withLabels(Map.of("app", "web"))
                .withAnnotations(Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "8m"))
                .endMetadata()
                .withNewSpec().withIngressClassName("nginx")
                .addNewTl().withHosts("shop.example").withSecretName("shop-tls").endTl()
                .addNewRule().withHost("shop.example").withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix")
                .withNewBackend().withNewService().withName("web").withNewPort().withNumber(80).endPort().endService()
                .endBackend().endPath()
                .addNewPath().withPath("/static").withPathType("Prefix")
                .withNewBackend().withNewService().withName("cdn").withNewPort().withNumber(80).endPort().endService()
                .endBackend().endPath()
                .endHttp().endRule()
                .endSpec().build()).create();
    }

    private Ingress canary() {
        return client.network().v1().ingresses().inNamespace("shop").withName("web-canary").get();
    }

    @Test
    void openCopiesTheIngressForTheCanaryServiceAtWeightZeroWithTheTesterHeader() {
        Ingress main = mainIngress();

        route.open();

        Ingress canary = canary();
        assertThat(canary.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "nginx.ingress.kubernetes.io/proxy-body-size", "8m",
                "nginx.ingress.kubernetes.io/canary", "true",
                "nginx.ingress.kubernetes.io/canary-weight", "0",
                "nginx.ingress.kubernetes.io/canary-weight-total", "10000",
                "nginx.ingress.kubernetes.io/canary-by-header", "X-Canary",
                "nginx.ingress.kubernetes.io/canary-by-header-value", "always"));
        assertThat(canary.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app", "web", "app.kubernetes.io/managed-by", "deployguard"));
        assertThat(canary.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(main.getMetadata().getUid()));
        assertThat(canary.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(canary.getSpec().getTls()).isEqualTo(main.getSpec().getTls());
        assertThat(canary.getSpec().getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getHost()).isEqualTo("shop.example");
            assertThat(rule.getHttp().getPaths()).singleElement().satisfies(p -> {
                assertThat(p.getPath()).isEqualTo("/");
                assertThat(p.getBackend().getService().getName()).isEqualTo("web-canary");
                assertThat(p.getBackend().getService().getPort().getNumber()).isEqualTo(80);
            });
        });
        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
        Ingress mainAfter = client.network().v1().ingresses().inNamespace("shop").withName("web").get();
        assertThat(mainAfter).isEqualTo(main);
    }

    @Test
    void setWeightWritesBasisPointsAndKeepsWhatTheUserAdded() {
        mainIngress();
        route.open();
        Ingress opened = canary();
        opened.getMetadata().getAnnotations().put("team.example/owner", "payments");
        client.resource(opened).update();

        route.setWeight(50);

        Ingress canary = canary();
        assertThat(canary.getMetadata().getAnnotations())
                .containsEntry("nginx.ingress.kubernetes.io/canary-weight", "50")
                .containsEntry("nginx.ingress.kubernetes.io/canary-weight-total", "10000")
                .containsEntry("team.example/owner", "payments")
                .hasSize(7);
        assertThat(canary.getSpec()).isEqualTo(opened.getSpec());
        assertThat(route.weight()).isEqualTo(OptionalInt.of(50));
    }

    @Test
    void aWeightChangeIsOneUpdateAndAnUnchangedWeightNone() throws Exception {
        mainIngress();
        route.open();
        route.setWeight(2_500);
        drainRequests();

        route.setWeight(2_500);
        assertThat(methods()).containsExactly("GET");

        route.setWeight(5_000);
        assertThat(methods()).containsExactly("GET", "PUT");
    }

    @Test
    void aConflictIsRetriedFromAFreshRead() throws Exception {
        mainIngress();
        route.open();
        server.expect().put().withPath("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary")
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict")
                        .withMessage("the object has been modified").build()).times(2);
        drainRequests();

        route.setWeight(1_000);

        assertThat(methods()).containsExactly("GET", "PUT", "GET", "PUT", "GET", "PUT");
        assertThat(route.weight()).isEqualTo(OptionalInt.of(1_000));
    }

    @Test
    void endlessConflictsEndInABusyFailureAndLeaveTheWeight() {
        mainIngress();
        route.open();
        server.expect().put().withPath("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary")
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").build()).always();

        assertThatThrownBy(() -> route.setWeight(1_000)).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("changed under us 5 times")
                .satisfies(e -> assertThat(((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.BUSY));
        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void closeRemovesOnlyTheCanaryIngress() {
        mainIngress();
        route.open();
        route.setWeight(3_000);

        route.close();

        assertThat(canary()).isNull();
        assertThat(route.weight()).isEmpty();
        assertThat(client.network().v1().ingresses().inNamespace("shop").withName("web").get()).isNotNull();
        route.close();
    }

    @Test
    void reopeningResetsTheWeightToZero() {
        mainIngress();
        route.open();
        route.setWeight(3_000);

        route.open();

        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void badInputIsRefusedWithAMessageAndChangesNothing() {
        assertThatThrownBy(() -> route.open()).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("Ingress shop/web does not exist");
        mainIngress();
        NginxCanaryRoute wrongService = new NginxCanaryRoute(client, "shop", "web", "api");
        assertThatThrownBy(wrongService::open).hasMessageContaining("has no backend on Service api");
        assertThatThrownBy(() -> route.setWeight(10_001)).hasMessageContaining("0..10000 basis points");
        assertThatThrownBy(() -> route.setWeight(100)).hasMessageContaining("canary Ingress shop/web-canary does not exist");
        assertThat(canary()).isNull();
    }

    @Test
    void forbiddenNamesTheMissingPermission() {
        mainIngress();
        server.expect().get().withPath("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").build()).always();

        assertThatThrownBy(() -> route.open()).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("forbidden while trying to read Ingress shop/web")
                .hasMessageContaining("RBAC");
        assertThat(canary()).isNull();
    }

    private void drainRequests() throws InterruptedException {
        api.takeRequests();
    }

    private java.util.List<String> methods() throws InterruptedException {
        return api.takeRequests().stream().map(r -> r.substring(0, r.indexOf(' '))).toList();
    }
}
