package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.release.Release;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Helm release driven by a real (in-process) control plane against the mock API server and the
 * simulated Deployment controller: the first deploy installs the release, later ones run the chart's new rendering
 * as a canary beside the release's Deployment; promotion is a Helm upgrade, abort leaves the release untouched.
 */
class KubernetesHelmCanaryRolloutTest {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    /** A one-Deployment chart with its Service, as a user would have it. */
    static Path chart(Path dir) throws Exception {
        Path chart = dir.resolve("chart");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1\"\n");
        Files.writeString(chart.resolve("values.yaml"), "replicaCount: 2\nimage:\n  tag: v0\n");
        Files.writeString(chart.resolve("templates/deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ .Release.Name }}
                  labels: {app: web}
                spec:
                  replicas: {{ .Values.replicaCount }}
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                        - name: app
                          image: "shop/web:{{ .Values.image.tag }}"
                          ports: [{containerPort: 8080}]
                """);
        Files.writeString(chart.resolve("templates/service.yaml"), """
                apiVersion: v1
                kind: Service
                metadata: {name: web, labels: {app: web}}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
                """);
        return chart;
    }

    @BeforeEach
    void start() throws Exception {
        cluster.app().ingress();
        cluster.runController(20);
        cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(chart(dir)) + ClusterFixture.CANARY,
                ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
    }

    @Test
    void aHelmReleaseIsCanariedPromotedByAHelmUpgradeAndAbortedWithoutARevision() throws Exception {
        DeployResult install = kube.deploy("v1");
        assertThat(install.message()).as("nothing to canary beside: a plain install").contains("revision 1 (v1)");
        assertThat(cp.store().rollouts("web", 1)).isEmpty();

        DeployResult canary = kube.deploy("v2");

        // The deploy answers while the canary Deployment rolls out; the fixture then waits for the first step.
        assertThat(canary.message()).contains("canary rollout of v2", "Helm release shop/web", "preparing: waiting"
                + " for the canary deployment shop/web-canary");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        Deployment c = cluster.deployment("web-canary");
        assertThat(c.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("shop/web:v2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cluster.helmHistory()).as("the release is not written before promotion").hasSize(1);
        Rollout active = cp.store().activeRollout("web").orElseThrow();
        assertThat(active.stableRevision()).isEqualTo(1);
        assertThat(active.canaryRevision()).isEqualTo(2);
        @SuppressWarnings("unchecked")
        Map<String, Object> helm = (Map<String, Object>) ((Map<String, Object>) cp.kubernetes().status("web")
                .get("kubernetes")).get("helm");
        assertThat(helm).containsEntry("revision", 1);
        assertThat(cp.kubernetes().status("web").get("rollout")).isInstanceOf(Rollout.class);

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        List<HelmRelease> history = cluster.helmHistory();
        assertThat(history).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"), org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        assertThat(history.get(1).config().path("image").path("tag").asText()).isEqualTo("v2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cluster.canaryIngress()).as("the canary route is removed once the release rolled out").isNull();
        assertThat(cluster.deployment("web-canary").getSpec().getReplicas()).isZero();
        assertThat(cp.kubernetes().history("web")).extracting(Release::revision, Release::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "v1"), org.assertj.core.groups.Tuple.tuple(2, "v2"));
        assertThat(kube.kinds()).contains("rollout.started", "traffic.switched", "rollout.promoted",
                "deploy.succeeded");

        kube.deploy("v3");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        long generation = cluster.deployment("web").getMetadata().getGeneration();

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.helmHistory()).as("abort writes no Helm revision").hasSize(2);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(cluster.deployment("web").getMetadata().getGeneration()).isEqualTo(generation);

        kube.deploy("v4");
        DeployResult back = cp.kubernetes().rollback("web", null, null, "bob");
        assertThat(back.message()).contains("aborted the canary", "Helm release shop/web revision 2");
        assertThat(cluster.canaryIngress()).as("rollback during a canary aborts it").isNull();
        assertThat(cluster.helmHistory()).hasSize(2);
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
    }
}
