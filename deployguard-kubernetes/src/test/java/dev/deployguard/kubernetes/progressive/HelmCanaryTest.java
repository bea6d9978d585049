package dev.deployguard.kubernetes.progressive;

import dev.deployguard.rollout.RolloutKind;
import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.Kubeconfigs;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.Tools;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Rollout;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Helm release on the mock API server, the simulated Deployment controller rolling out templates:
 * the canary is the chart rendered with the new version's values beside the release's live Deployment; abort
 * leaves the release alone; promotion is a Helm upgrade real helm reads back.
 */
class HelmCanaryTest {
    private static final Path WEB = Path.of("src/test/resources/charts/web");
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    private static final String V2 = "{\"image\":{\"tag\":\"1.28\"},\"message\":\"second\"}";

    @TempDir
    Path dir;
    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private KubernetesClient client;
    private ClusterSimulator controller;
    private HelmReleaseStorage storage;
    private AppObjects app;
    private KubernetesCanary canary;
    private CanaryActions actions;
    private final HelmChartRelease release = new HelmChartRelease("web", WEB, List.of(), null);
    private final Rollout rollout = Rollout.start(7, "web", RolloutKind.CANARY, 1, 2, Instant.parse("2026-03-01T10:00:00Z"));

    @BeforeEach
    void install() {
        client = cluster.client();
        app = cluster.app();
        storage = app.helmRelease(WEB);
        app.ingress();
        controller = cluster.simulator();
        controller.settle(10);
        canary = new KubernetesCanary(client, new AppWorkload(NS, "web", "web"),
                new NginxCanaryRoute(client, NS, "web", "web"), 1);
        actions = new CanaryActions(canary, new HelmPromotion(storage, new ChartRenderer(), release, canary,
                Duration.ofSeconds(5), () -> Kubeconfigs.of(client.getConfiguration())));
    }

    private void startCanary() {
        Deployment rendered = release.render(client, new ChartRenderer(), NS, V2);
        while (canary.start(rendered.getSpec().getTemplate(), "canary of 1.28",
                Map.of(HelmChartRelease.VERSION_VALUES, V2)) != KubernetesCanary.Progress.DONE) {
            controller.settle(10);
        }
        controller.settle(10);
    }

    private Ingress canaryIngress() {
        return client.network().v1().ingresses().inNamespace(NS).withName("web-canary").get();
    }

    private static String image(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static String message(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().get(0).getValue();
    }

    @Test
    void theCanaryIsTheChartRenderedWithTheNewValuesBesideTheReleasesDeployment() {
        startCanary();

        Deployment c = app.get("web-canary");
        assertThat(image(c)).isEqualTo("nginx:1.28");
        assertThat(message(c)).as("everything the chart renders from the values, not only the image")
                .isEqualTo("second");
        assertThat(c.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.TRACK, Labels.CANARY)
                .containsEntry("app.kubernetes.io/instance", "web");
        assertThat(c.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "deployguard");
        assertThat(c.getMetadata().getAnnotations()).containsEntry(HelmChartRelease.VERSION_VALUES, V2)
                .doesNotContainKey("meta.helm.sh/release-name");
        assertThat(image(app.get("web"))).isEqualTo("nginx:1.27");
        assertThat(app.getService("web").getSpec().getSelector()).containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(storage.history("web")).hasSize(1);
    }

    @Test
    void abortDropsTheCanaryAndLeavesTheReleaseUntouched() {
        startCanary();
        actions.apply(new Action.SetWeight(2_000), rollout);
        assertThat(canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        HelmRelease before = storage.history("web").get(0);
        long generation = app.get("web").getMetadata().getGeneration();
        cluster.clearCalls();

        actions.apply(new Action.RollBack("errors"), rollout);

        List<String> writes = cluster.calls().stream().filter(c -> !c.method().equals("GET"))
                .map(c -> c.method() + " " + c.path()).toList();
        assertThat(writes).as("weight 0 first, then the canary scaled down, then its route removed").containsExactly(
                "PUT /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary",
                "PUT /apis/apps/v1/namespaces/shop/deployments/web-canary",
                "DELETE /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web-canary");
        assertThat(canaryIngress()).isNull();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
        assertThat(storage.history("web")).as("no new Helm revision").containsExactly(before);
        assertThat(app.get("web").getMetadata().getGeneration()).isEqualTo(generation);
        assertThat(image(app.get("web"))).isEqualTo("nginx:1.27");
    }

    @Test
    void promotionIsAHelmUpgradeAndTheCanaryIsRetiredOnceTheReleaseRolledOut() {
        startCanary();
        actions.apply(new Action.SetWeight(5_000), rollout);

        actions.apply(new Action.Promote(), rollout);

        List<HelmRelease> history = storage.history("web");
        assertThat(history).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        assertThat(history.get(1).description()).contains("promoted revision 2 of web");
        assertThat(history.get(1).config().path("image").path("tag").asText()).isEqualTo("1.28");
        Deployment stable = app.get("web");
        assertThat(image(stable)).isEqualTo("nginx:1.28");
        assertThat(message(stable)).isEqualTo("second");
        assertThat(stable.getSpec().getTemplate().getMetadata().getLabels())
                .as("the upgrade keeps the track label: the stable Service still finds the pods")
                .containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(app.getService("web").getSpec().getSelector()).containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(history.get(1).manifest()).as("the recorded manifest is what the chart renders")
                .doesNotContain(Labels.TRACK);
        assertThat(canaryIngress().getMetadata().getAnnotations()).as("traffic stays split until rolled out")
                .containsEntry(WEIGHT, "5000");
        assertThat(actions.apply(new Action.Finish(), rollout)).isEqualTo(KubernetesCanary.Progress.WAITING_FOR_STABLE);

        actions.apply(new Action.Promote(), rollout);
        assertThat(storage.history("web")).as("promoting again writes nothing").hasSize(2);
        controller.settle(10);
        assertThat(actions.apply(new Action.Finish(), rollout)).isEqualTo(KubernetesCanary.Progress.DONE);

        assertThat(canaryIngress()).isNull();
        assertThat(app.get("web-canary").getSpec().getReplicas()).isZero();
    }

    @Test
    void aFailAfterPromotionRollsTheReleaseBack() {
        startCanary();
        actions.apply(new Action.Promote(), rollout);
        controller.settle(10);

        actions.apply(new Action.RollBack("errors in the bake"), rollout);

        List<HelmRelease> history = storage.history("web");
        assertThat(history).hasSize(3);
        assertThat(history.get(2).statusText()).isEqualTo("deployed");
        assertThat(history.get(2).description()).isEqualTo("Rollback to 1");
        controller.settle(10);
        assertThat(image(app.get("web"))).isEqualTo("nginx:1.27");
        assertThat(app.get("web").getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(Labels.TRACK, Labels.STABLE);
        assertThat(canaryIngress()).isNull();
    }

    @Test
    void realHelmReadsThePromotedRevision() throws Exception {
        Tools.require("real helm reads the promoted revision");
        startCanary();
        actions.apply(new Action.Promote(), rollout);

        JsonNode history = new ObjectMapper().readTree(Tools.helm(cluster.mock(), "history", "web", "-n", NS, "-o",
                "json")
                .orFail().stdout());
        assertThat(history).hasSize(2);
        assertThat(history.get(1).path("revision").asInt()).isEqualTo(2);
        assertThat(history.get(1).path("status").asText()).isEqualTo("deployed");
        assertThat(history.get(1).path("description").asText()).contains("promoted revision 2 of web");
        assertThat(history.get(0).path("status").asText()).isEqualTo("superseded");
        assertThat(Tools.helm(cluster.mock(), "get", "values", "web", "-n", NS, "-o", "json").orFail().stdout())
                .contains("\"tag\":\"1.28\"");
    }

    @Test
    void aChartWithSeveralDeploymentsNeedsTheOneNamed() throws Exception {
        Path chart = dir.resolve("two");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: two\nversion: 0.1.0\n");
        for (String name : List.of("api", "worker")) {
            Files.writeString(chart.resolve("templates/" + name + ".yaml"), """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: %s}
                    spec:
                      selector: {matchLabels: {app: %s}}
                      template:
                        metadata: {labels: {app: %s}}
                        spec: {containers: [{name: c, image: "x:{{ .Values.image.tag }}"}]}
                    """.formatted(name, name, name));
        }

        assertThatThrownBy(() -> new HelmChartRelease("two", chart, List.of(), null)
                .render(client, new ChartRenderer(), NS, V2))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
                    assertThat(e.getMessage()).contains("2 Deployments (api, worker)",
                            "platform.kubernetes.helm.deployment");
                });
        assertThat(image(new HelmChartRelease("two", chart, List.of(), "worker")
                .render(client, new ChartRenderer(), NS, V2))).isEqualTo("x:1.28");
        assertThatThrownBy(() -> new HelmChartRelease("two", chart, List.of(), "web")
                .render(client, new ChartRenderer(), NS, V2))
                .hasMessageContaining("no Deployment named web").hasMessageContaining("api, worker");
    }
}
