package dev.deployguard.kubernetes.progressive;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.Kubeconfigs;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Blue/green of a Helm release on the mock API server with the simulated Deployment controller: the new version
 * runs in a slot behind the preview Service; promotion and abort are one selector update each; finishing writes
 * the Helm upgrade and moves users back to the chart's Deployment only once it runs the new version.
 */
class HelmBlueGreenTest {
    private static final Path WEB = Path.of("src/test/resources/charts/web");
    private static final String V2 = "{\"image\":{\"tag\":\"1.28\"},\"message\":\"second\"}";

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private KubernetesClient client;
    private ClusterSimulator controller;
    private HelmReleaseStorage storage;
    private AppObjects app;
    private HelmBlueGreen slots;
    private final HelmChartRelease release = new HelmChartRelease("web", WEB, List.of(), null);

    @BeforeEach
    void install() {
        client = cluster.client();
        app = cluster.app();
        storage = app.helmRelease(WEB);
        controller = cluster.simulator();
        controller.settle(10);
        slots = new HelmBlueGreen(client, new AppWorkload(NS, "web", "web"), storage, new ChartRenderer(), release,
                Duration.ofSeconds(5), () -> Kubeconfigs.of(client.getConfiguration()));
        Deployment rendered = release.render(client, new ChartRenderer(), NS, V2);
        while (slots.deploy(rendered.getSpec().getTemplate(), "blue/green of 1.28",
                Map.of(HelmChartRelease.VERSION_VALUES, V2)) != HelmBlueGreen.Progress.DONE) {
            controller.settle(10);
        }
        controller.settle(10);
    }

    private Map<String, String> selector(String service) {
        return app.getService(service).getSpec().getSelector();
    }

    /**
     * The images of the pods {@code service} selects: the simulated controller runs no pods, so these are the
     * ReplicaSets that have replicas and whose pod template the selector matches.
     */
    private List<String> imagesBehind(String service) {
        Map<String, String> selector = selector(service);
        return client.apps().replicaSets().inNamespace(NS).list().getItems().stream()
                .filter(rs -> rs.getSpec().getReplicas() != null && rs.getSpec().getReplicas() > 0)
                .filter(rs -> rs.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                        .containsAll(selector.entrySet()))
                .map(rs -> rs.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .distinct().sorted().toList();
    }

    private static String image(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Test
    void theSlotRunsTheRenderedChartBehindThePreviewServiceOnly() {
        assertThat(slots.ready()).isTrue();
        assertThat(image(app.get("web-preview"))).isEqualTo("nginx:1.28");
        assertThat(app.get("web-preview").getSpec().getReplicas()).isEqualTo(2);
        assertThat(selector("web")).containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(selector("web-preview")).containsEntry(Labels.TRACK, HelmBlueGreen.PREVIEW);
        assertThat(storage.history("web")).hasSize(1);
        assertThat(slots.promoted()).isFalse();
    }

    @Test
    void abortAfterPromotionSwitchesBackAtOnceAndWritesNoRevision() {
        slots.promote();
        assertThat(selector("web")).containsEntry(Labels.TRACK, HelmBlueGreen.PREVIEW);
        cluster.clearCalls();

        slots.abort();

        List<String> writes = cluster.calls().stream().filter(c -> !c.method().equals("GET"))
                .map(c -> c.method() + " " + c.path()).toList();
        assertThat(writes).as("the selector first, then the slot scaled down").containsExactly(
                "PUT /api/v1/namespaces/shop/services/web",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-preview");
        assertThat(selector("web")).containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(app.get("web-preview").getSpec().getReplicas()).isZero();
        assertThat(storage.history("web")).as("no new Helm revision").hasSize(1);
        assertThat(image(app.get("web"))).isEqualTo("nginx:1.27");
    }

    @Test
    void finishUpgradesTheReleaseAndUsersSeeOnlyNewPodsFromPromotionOn() {
        slots.promote();
        assertThat(imagesBehind("web")).containsExactly("nginx:1.28");

        assertThat(slots.finish(2, "blue/green 2")).isEqualTo(HelmBlueGreen.Progress.WAITING);

        List<HelmRelease> history = storage.history("web");
        assertThat(history).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        assertThat(history.get(1).description()).isEqualTo("blue/green 2");
        assertThat(selector("web")).as("the upgrade keeps the Service on the slot")
                .containsEntry(Labels.TRACK, HelmBlueGreen.PREVIEW);
        assertThat(imagesBehind("web")).containsExactly("nginx:1.28");
        assertThat(image(app.get("web"))).isEqualTo("nginx:1.28");
        assertThat(slots.finish(2, "blue/green 2")).as("still rolling out").isEqualTo(HelmBlueGreen.Progress.WAITING);
        assertThat(storage.history("web")).as("the upgrade is written once").hasSize(2);

        for (int i = 0; i < 10 && slots.finish(2, "blue/green 2") != HelmBlueGreen.Progress.DONE; i++) {
            controller.step();
            assertThat(imagesBehind("web")).as("never an old pod behind the Service").containsExactly("nginx:1.28");
        }

        assertThat(selector("web")).containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(app.get("web-preview").getSpec().getReplicas()).isZero();
        controller.settle(10);
        assertThat(imagesBehind("web")).containsExactly("nginx:1.28");
    }
}
