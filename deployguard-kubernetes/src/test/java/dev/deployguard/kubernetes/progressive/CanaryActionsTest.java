package dev.deployguard.kubernetes.progressive;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Verdict;
import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Decision;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout engine driving a canary on the (mock) cluster in simulated time, with the test-support controller
 * playing kube-controller-manager: weights reach the canary Ingress step by step, promotion rolls the stable
 * Deployment to the new template, a FAIL before promotion only drops the canary, a FAIL during the bake also puts
 * the stable Deployment back to its previous revision.
 */
class CanaryActionsTest {
    private static final Strategy CANARY = new Strategy.Canary(List.of(new Step.SetWeight(500),
            new Step.Pause(Duration.ofMinutes(1)), new Step.SetWeight(5_000), new Step.Pause(Duration.ofMinutes(1))),
            AnalysisSpec.defaults(), Duration.ofMinutes(5), List.of());

    private CrudApiServer api;
    private AppObjects app;
    private ClusterSimulator controller;
    private NginxCanaryRoute route;
    private KubernetesCanary canary;
    private CanaryActions actions;
    private final RolloutEngine engine = new RolloutEngine();
    private final List<Integer> weightsSeen = new ArrayList<>();
    private Instant now = Instant.parse("2026-03-01T10:00:00Z");

    @BeforeEach
    void startCluster() {
        api = new CrudApiServer();
        KubernetesClient client = api.newClient();
        app = new AppObjects(client);
        controller = new ClusterSimulator(client);
        route = new NginxCanaryRoute(client, NS, "web", "web");
        canary = new KubernetesCanary(client, new AppWorkload(NS, "web", "web"), route, 1);
        actions = new CanaryActions(canary, new DeploymentRollback(client));
        app.deployment();
        app.service();
        app.ingress();
        controller.settle(10);
        while (canary.start(null, "shop/web:v2", "deploy v2") != KubernetesCanary.Progress.DONE) {
            controller.settle(10);
        }
        controller.settle(10);
    }

    @AfterEach
    void stopCluster() {
        api.close();
    }

    /** One look of the engine at simulated time {@code now}; its actions carried out on the cluster. */
    private Rollout look(Rollout r, Observation obs) {
        Decision d = engine.reconcile(r, CANARY, obs, now);
        for (Action a : d.actions()) {
            KubernetesCanary.Progress p = actions.apply(a, d.next());
            assertThat(p).as("finish waits for nothing: the controller settled").isEqualTo(KubernetesCanary.Progress.DONE);
            route.weight().ifPresent(weightsSeen::add);
            controller.settle(10);
        }
        return d.next();
    }

    private String stableImage() {
        return app.get("web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    void aGoodCanaryWalksTheStepsIsPromotedAndRetired() {
        Rollout r = Rollout.start(1, "web", RolloutKind.CANARY, 1, 2, now);
        for (int i = 0; i < 20 && !r.phase().isDone(); i++) {
            r = look(r, Observation.NONE);
            now = now.plus(Duration.ofSeconds(30));
        }

        assertThat(r.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(weightsSeen).startsWith(500, 500, 5_000);
        assertThat(stableImage()).isEqualTo("shop/web:v2");
        assertThat(app.get("web").getMetadata().getAnnotations().get("kubernetes.io/change-cause"))
                .contains("promoted revision 2 of web");
        assertThat(route.weight()).isEmpty();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
    }

    @Test
    void aFailBeforePromotionDropsTheCanaryAndLeavesStableAlone() throws Exception {
        Rollout r = look(Rollout.start(1, "web", RolloutKind.CANARY, 1, 2, now), Observation.NONE);
        assertThat(route.weight()).isEqualTo(OptionalInt.of(500));
        long stableGeneration = app.get("web").getMetadata().getGeneration();

        now = now.plusSeconds(10);
        api.takeRequests();
        r = look(r, Observation.verdict(Verdict.FAIL, "canary errors 4.1% vs stable 0.9%"));

        assertThat(r.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(api.takeRequests()).filteredOn(q -> !q.startsWith("GET ")).startsWith(
                "PUT /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-canary",
                "DELETE /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary");
        assertThat(route.weight()).isEmpty();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
        assertThat(stableImage()).isEqualTo("shop/web:v1");
        assertThat(app.get("web").getMetadata().getGeneration()).isEqualTo(stableGeneration);
    }

    @Test
    void aFailDuringTheBakeAlsoReturnsStableToItsPreviousRevision() {
        Rollout r = Rollout.start(1, "web", RolloutKind.CANARY, 1, 2, now);
        for (int i = 0; i < 20 && r.phase() != Rollout.Phase.BAKING; i++) {
            r = look(r, Observation.NONE);
            now = now.plus(Duration.ofSeconds(30));
        }
        assertThat(stableImage()).isEqualTo("shop/web:v2");

        r = look(r, Observation.verdict(Verdict.FAIL, "p99 latency +40%"));

        assertThat(r.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(stableImage()).isEqualTo("shop/web:v1");
        assertThat(app.get("web").getMetadata().getAnnotations().get("kubernetes.io/change-cause"))
                .startsWith("rollback to revision");
        assertThat(route.weight()).isEmpty();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
    }
}
