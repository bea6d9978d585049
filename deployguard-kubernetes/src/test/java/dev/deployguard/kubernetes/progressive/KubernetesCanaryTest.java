package dev.deployguard.kubernetes.progressive;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.progressive.KubernetesCanary.Progress;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KubernetesCanaryTest {
    private static final String INGRESSES = "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/";
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/shop/deployments/";

    private CrudApiServer api;
    private KubernetesClient client;
    private AppObjects app;
    private NginxCanaryRoute route;
    private KubernetesCanary canary;

    @BeforeEach
    void startServer() {
        api = new CrudApiServer();
        client = api.newClient();
        app = new AppObjects(client);
        route = new NginxCanaryRoute(client, NS, "web", "web");
        canary = new KubernetesCanary(client, new AppWorkload(NS, "web", "web"), route, 1);
    }

    @AfterEach
    void stopServer() {
        api.close();
    }

    /** The app as a user has it, with the stable pods already labelled by a first start. */
    private void runningAppWithLabelledStable() {
        app.deployment();
        app.service();
        app.ingress();
        app.rolledOut("web");
        assertThat(canary.start(null, "shop/web:v2", "v2")).isEqualTo(Progress.WAITING_FOR_STABLE);
        app.rolledOut("web");
    }

    @Test
    void theFirstStartLabelsTheStablePodsAndSelectsThemOnlyOnceTheyAllCarryTheLabel() {
        app.deployment();
        Service service = app.service();
        app.ingress();
        app.rolledOut("web");

        assertThat(canary.start(null, "shop/web:v2", "v2")).isEqualTo(Progress.WAITING_FOR_STABLE);
        Deployment stable = app.get("web");
        assertThat(stable.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/track", "stable"));
        assertThat(stable.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v1");
        assertThat(canary.start(null, "shop/web:v2", "v2")).isEqualTo(Progress.WAITING_FOR_STABLE);
        assertThat(app.getService("web")).isEqualTo(service);
        assertThat(app.get("web-canary")).isNull();

        app.rolledOut("web");
        assertThat(canary.start(null, "shop/web:v2", "v2")).isEqualTo(Progress.DONE);

        assertThat(app.getService("web").getSpec().getSelector())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/track", "stable"));
    }

    @Test
    void startMakesTheCanaryDeploymentServiceAndRouteAtWeightZero() {
        runningAppWithLabelledStable();

        assertThat(canary.start(null, "shop/web:v2", "deploy v2 by ana")).isEqualTo(Progress.DONE);

        Deployment c = app.get("web-canary");
        assertThat(c.getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "app.kubernetes.io/managed-by", "deployguard"));
        // The image it was made for: a restarted control plane preparing the same rollout knows the Deployment is its.
        assertThat(c.getMetadata().getAnnotations()).isEqualTo(Map.of("kubernetes.io/change-cause", "deploy v2 by ana",
                KubernetesCanary.IMAGE, "shop/web:v2"));
        assertThat(c.getSpec().getReplicas()).isEqualTo(1);
        assertThat(c.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/track", "canary"));
        assertThat(c.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/track", "canary"));
        assertThat(c.getSpec().getTemplate().getSpec().getContainers()).singleElement()
                .satisfies(k -> assertThat(k.getImage()).isEqualTo("shop/web:v2"));
        Service cs = app.getService("web-canary");
        assertThat(cs.getSpec().getSelector()).isEqualTo(Map.of("app", "web", "deployguard.dev/track", "canary"));
        assertThat(cs.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(80);
            assertThat(p.getTargetPort().getIntVal()).isEqualTo(8080);
        });
        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
        Deployment stable = app.get("web");
        assertThat(stable.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v1");
    }

    @Test
    void abortPutsTheWeightBackToZeroBeforeTouchingTheCanary() throws Exception {
        runningAppWithLabelledStable();
        canary.start(null, "shop/web:v2", "v2");
        canary.setWeight(2_500);
        Deployment stableBefore = app.get("web");
        api.takeRequests();

        canary.abort();

        List<String> writes = writes(api.takeRequests());
        assertThat(writes).containsExactly(
                "PUT " + INGRESSES + "web-canary",
                "PUT " + DEPLOYMENTS + "web-canary",
                "DELETE " + INGRESSES + "web-canary");
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
        assertThat(route.weight()).isEmpty();
        assertThat(app.get("web")).isEqualTo(stableBefore);
    }

    @Test
    void promoteCopiesTheCanaryTemplateIntoStableThenRetiresTheCanaryOnceStableRolledOut() throws Exception {
        runningAppWithLabelledStable();
        canary.start(null, "shop/web:v2", "v2");
        canary.setWeight(5_000);
        long generationBefore = app.get("web").getMetadata().getGeneration();

        canary.promote("promoted v2 by ana");

        Deployment stable = app.get("web");
        assertThat(stable.getMetadata().getGeneration()).isGreaterThan(generationBefore);
        assertThat(stable.getMetadata().getAnnotations()).isEqualTo(Map.of(
                "team.example/owner", "payments", "kubernetes.io/change-cause", "promoted v2 by ana"));
        assertThat(stable.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of("app", "web"));
        assertThat(stable.getSpec().getReplicas()).isEqualTo(3);
        assertThat(stable.getSpec().getTemplate().getMetadata().getLabels())
                .isEqualTo(Map.of("app", "web", "deployguard.dev/track", "stable"));
        assertThat(stable.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("shop/web:v2");
        assertThat(canary.completePromotion()).isEqualTo(Progress.WAITING_FOR_STABLE);
        assertThat(route.weight()).isEqualTo(OptionalInt.of(5_000));

        app.rolledOut("web");
        api.takeRequests();
        assertThat(canary.completePromotion()).isEqualTo(Progress.DONE);

        assertThat(writes(api.takeRequests())).containsExactly(
                "PUT " + INGRESSES + "web-canary",
                "PUT " + DEPLOYMENTS + "web-canary",
                "DELETE " + INGRESSES + "web-canary");
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
        assertThat(route.weight()).isEmpty();
    }

    @Test
    void aSecondCanaryReusesTheScaledDownOne() {
        runningAppWithLabelledStable();
        canary.start(null, "shop/web:v2", "v2");
        canary.abort();

        assertThat(canary.start(null, "shop/web:v3", "v3")).isEqualTo(Progress.DONE);

        Deployment c = app.get("web-canary");
        assertThat(c.getSpec().getReplicas()).isEqualTo(1);
        assertThat(c.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v3");
        assertThat(c.getMetadata().getAnnotations()).containsEntry("kubernetes.io/change-cause", "v3");
        assertThat(route.weight()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void badInputIsRefusedWithAMessageAndChangesNothing() throws Exception {
        assertThatThrownBy(() -> canary.start(null, "shop/web:v2", "v2")).isInstanceOf(DeployGuardException.class)
                .hasMessageContaining("Deployment shop/web does not exist")
                .satisfies(e -> assertThat(((DeployGuardException) e).exitCode()).isEqualTo(ExitCode.NOT_FOUND));
        app.deployment();
        app.service();
        api.takeRequests();
        assertThatThrownBy(() -> canary.start("sidecar", "shop/web:v2", "v2"))
                .hasMessageContaining("has no container named sidecar (it has app)");
        assertThatThrownBy(() -> canary.promote("x")).hasMessageContaining("there is no canary to promote");
        assertThat(writes(api.takeRequests())).isEmpty();
        assertThatThrownBy(() -> new AppWorkload(NS, "web", " ")).hasMessageContaining("platform.kubernetes.service");
    }

    private static List<String> writes(List<String> requests) {
        return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }
}
