package dev.deployguard.kubernetes.progressive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.kubernetes.traffic.GatewayCanaryRoute;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CanaryRoutesTest {
    private CrudApiServer api;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        api = new CrudApiServer();
        client = api.newClient();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private static KubernetesSpec spec(String service, KubernetesSpec.Traffic traffic) {
        return new KubernetesSpec("shop", null, null, null, null, null, service, traffic, Duration.ofMinutes(5));
    }

    @Test
    void theWorkloadDefaultsTheDeploymentToTheAppName() {
        AppWorkload w = CanaryRoutes.workload("web", spec("web-svc", null));

        assertThat(w).isEqualTo(new AppWorkload("shop", "web", "web-svc"));
    }

    @Test
    void theRouterIsTheOneTheSpecNames() {
        assertThat(CanaryRoutes.route(client, "web", spec("web", new KubernetesSpec.Traffic(
                new KubernetesSpec.IngressNginx("web-ing"), null)))).isInstanceOf(NginxCanaryRoute.class);
        assertThat(CanaryRoutes.route(client, "web", spec("web", new KubernetesSpec.Traffic(
                null, new KubernetesSpec.GatewayApi("web-route"))))).isInstanceOf(GatewayCanaryRoute.class);
    }

    @Test
    void aMissingServiceOrRouterIsBadInputNamingTheField() {
        assertThatThrownBy(() -> CanaryRoutes.workload("web", spec(null, null)))
                .isInstanceOf(DeployGuardException.class).hasMessageContaining("platform.kubernetes.service");
        assertThatThrownBy(() -> CanaryRoutes.route(client, "web", spec("web", null)))
                .hasMessageContaining("platform.kubernetes.traffic with exactly one of ingressNginx");
        assertThatThrownBy(() -> CanaryRoutes.route(client, "web", spec("web", new KubernetesSpec.Traffic(
                new KubernetesSpec.IngressNginx("a"), new KubernetesSpec.GatewayApi("b")))))
                .hasMessageContaining("exactly one of");
    }
}
