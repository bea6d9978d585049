package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.progressive.AppObjects;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blue/green of a Helm release driven by a real (in-process) control plane against the mock API server and the
 * simulated Deployment controller: the slot is previewed, promotion switches the Service, finishing writes the
 * Helm upgrade and returns users to the release's Deployment, and an abort during the bake writes no revision.
 */
class KubernetesHelmBlueGreenRolloutTest {
    private static final String TRACK = "deployguard.dev/track";

    @TempDir
    Path dir;
    private MockCluster cluster;
    private AppObjects app;
    private AutoCloseable controller;
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cluster = MockCluster.start();
        var client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        app = new AppObjects(client);
        controller = new ClusterSimulator(client).runInBackground(20);
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      kubernetes:
                        namespace: shop
                        kubeconfig: %s
                        helm: {chart: %s}
                        service: web
                        rolloutTimeout: 20s
                    strategy:
                      blueGreen:
                        autoPromote: false
                        scaleDownDelay: 5s
                """.formatted(cluster.kubeconfig(), KubernetesHelmCanaryRolloutTest.chart(dir)));
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        cp.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private DeployResult deploy(String version) {
        return cp.kubernetes().deploy(new Deployer.DeployRequest("web", version, null, false, null, "alice", true));
    }

    private Map<String, String> selector(String service) {
        return app.getService(service).getSpec().getSelector();
    }

    private String image(String deployment) {
        return app.get(deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private List<HelmRelease> helmHistory() {
        return new HelmReleaseStorage(cluster.client(), NS, Clock.systemUTC()).history("web");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for " + what).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void previewPromoteFinishWithAHelmUpgradeAndAbortDuringTheBake() throws Exception {
        deploy("v1");

        DeployResult preview = deploy("v2");

        assertThat(preview.message()).contains("blue/green rollout of v2", "web-preview",
                "users stay on the release's Deployment");
        assertThat(image("web-preview")).isEqualTo("shop/web:v2");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(selector("web-preview")).isEqualTo(Map.of("app", "web", TRACK, "preview"));
        assertThat(helmHistory()).hasSize(1);
        assertThat(cp.store().activeRollout("web").orElseThrow().phase()).isEqualTo(Rollout.Phase.PAUSED);

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(selector("web")).isEqualTo(Map.of("app", "web", TRACK, "preview"));
        await("the rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(helmHistory()).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        assertThat(image("web")).isEqualTo("shop/web:v2");
        assertThat(selector("web")).as("back on the release's Deployment, which runs v2")
                .isEqualTo(Map.of("app", "web", TRACK, "stable"));
        assertThat(app.get("web-preview").getSpec().getReplicas()).isZero();
        assertThat(kinds()).contains("preview.started", "traffic.switched", "deploy.succeeded");

        deploy("v3");
        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        assertThat(selector("web")).containsEntry(TRACK, "preview");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(back.message()).contains("aborted the blue/green rollout", "Helm release shop/web revision 2");
        assertThat(selector("web")).as("switched back at once to the warm release Deployment")
                .containsEntry(TRACK, "stable");
        assertThat(image("web")).isEqualTo("shop/web:v2");
        assertThat(app.get("web-preview").getSpec().getReplicas()).isZero();
        assertThat(helmHistory()).as("no revision for the aborted version").hasSize(2);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }

    private List<String> kinds() {
        return cp.store().events("web", 0, null, 500).stream().map(Event::kind).toList();
    }
}
