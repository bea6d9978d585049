package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.prepull.PrePullDaemonSet;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code platform.kubernetes.prePull} for Helm releases on fabric8's mock API server with the simulated Deployment
 * controller and a DaemonSet "controller" that writes the status a real one would: before a Helm upgrade and before
 * a Helm canary, the pre-pull DaemonSet holds the image the chart renders for the new version and the image the
 * release's Deployment serves, placed as the chart's pod template is (node selector, tolerations, pull Secrets);
 * when its pods never become ready the canary is refused at the timeout and nothing moves.
 */
class KubernetesHelmPrePullTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private ScheduledExecutorService daemonSetController;

    /** A chart whose pods may run only on nodes labelled pool=web, tolerating the dedicated=web taint. */
    private Path chart() throws Exception {
        Path chart = dir.resolve("chart");
        Files.createDirectories(chart.resolve("templates"));
        Files.writeString(chart.resolve("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1\"\n");
        Files.writeString(chart.resolve("values.yaml"), "image:\n  tag: v0\n");
        Files.writeString(chart.resolve("templates/deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ .Release.Name }}
                  labels: {app: web}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      nodeSelector: {pool: web}
                      tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
                      imagePullSecrets: [{name: regcred}]
                      containers:
                        - name: app
                          image: "registry.example/shop/web:{{ .Values.image.tag }}"
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

    private ControlPlane start(String appKeys, String extra) throws Exception {
        cluster.runController(20);
        return kube.startControlPlane(dir, "helm: {chart: %s}\nprePull: {timeout: 3s}\n".formatted(chart()) + extra,
                appKeys);
    }

    @AfterEach
    void stop() throws Exception {
        if (daemonSetController != null) {
            daemonSetController.shutdownNow();
            daemonSetController.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Two eligible nodes, both pods ready as soon as the controller has seen a template. */
    private void runDaemonSetController() {
        daemonSetController = Executors.newSingleThreadScheduledExecutor();
        daemonSetController.scheduleWithFixedDelay(() -> {
            for (DaemonSet ds : cluster.client().apps().daemonSets().inNamespace("shop").list().getItems()) {
                Long generation = ds.getMetadata().getGeneration();
                if (ds.getStatus() == null || !generation.equals(ds.getStatus().getObservedGeneration())) {
                    ds.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation)
                            .withDesiredNumberScheduled(2).withCurrentNumberScheduled(2).withUpdatedNumberScheduled(2)
                            .withNumberReady(2).withNumberAvailable(2).withNumberMisscheduled(0).build());
                    cluster.client().apps().daemonSets().inNamespace("shop").resource(ds).updateStatus();
                }
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
    }

    private DaemonSet daemonSet() {
        return cluster.client().apps().daemonSets().inNamespace("shop").withName("deployguard-prepull-web").get();
    }

    private static String lastPrePull(ControlPlane cp) {
        return cp.store().events("web", 0, null, 500).stream().filter(e -> e.kind().equals(
                EventKinds.KUBERNETES_PREPULL)).reduce((a, b) -> b).orElseThrow().message();
    }

    @Test
    void aHelmUpgradeWarmsTheRenderedImageOnTheChartsNodesAndKeepsTheServingOne() throws Exception {
        ControlPlane cp = start("", "");
        runDaemonSetController();

        kube.deploy("v1");
        assertThat(PrePullDaemonSet.images(daemonSet())).as("a first install has nothing to roll back to")
                .containsExactly("registry.example/shop/web:v1");

        kube.deploy("v2");

        DaemonSet ds = daemonSet();
        assertThat(PrePullDaemonSet.images(ds)).containsExactly("registry.example/shop/web:v2",
                "registry.example/shop/web:v1");
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector()).isEqualTo(Map.of("pool", "web"));
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("dedicated");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(pod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:v2");
        List<String> kinds = kube.kinds();
        assertThat(kinds.lastIndexOf(EventKinds.KUBERNETES_PREPULL)).as("pre-pulled before the upgrade started")
                .isLessThan(kinds.lastIndexOf(EventKinds.DEPLOY_STARTED));
        assertThat(lastPrePull(cp)).isEqualTo("daemon set shop/deployguard-prepull-web holds"
                + " registry.example/shop/web:v2 and the rollback image registry.example/shop/web:v1 on 2 node(s)");
    }

    @Test
    void aHelmCanaryStartsOnlyAfterTheNewImageIsOnEveryEligibleNode() throws Exception {
        cluster.app().ingress();
        ControlPlane cp = start(ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"), ClusterFixture.CANARY);
        runDaemonSetController();
        kube.deploy("v1");

        kube.deploy("v2");

        assertThat(PrePullDaemonSet.images(daemonSet())).containsExactly("registry.example/shop/web:v2",
                "registry.example/shop/web:v1");
        assertThat(cluster.deployment("web-canary").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage()).isEqualTo("registry.example/shop/web:v2");
        List<String> kinds = kube.kinds();
        assertThat(kinds.lastIndexOf(EventKinds.KUBERNETES_PREPULL)).isNotNegative()
                .isLessThan(kinds.lastIndexOf(EventKinds.ROLLOUT_STARTED));
        assertThat(lastPrePull(cp)).contains("holds registry.example/shop/web:v2 and the rollback image"
                + " registry.example/shop/web:v1");
    }

    @Test
    void aCanaryWhosePrePullNeverBecomesReadyIsRefusedAndNothingMoves() throws Exception {
        cluster.app().ingress();
        ControlPlane cp = start(ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"), ClusterFixture.CANARY);
        runDaemonSetController();
        kube.deploy("v1");
        daemonSetController.shutdownNow();
        assertThat(daemonSetController.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> kube.deploy("v2")).isInstanceOfSatisfying(DeployGuardException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
            assertThat(e.getMessage()).contains("registry.example/shop/web:v2 did not reach every node that may run"
                    + " web within PT3S").contains("nothing was rolled out");
        });
        assertThat(cluster.deployment("web-canary")).isNull();
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:v1");
        assertThat(cluster.helmHistory()).hasSize(1);
        assertThat(cp.store().activeRollout("web")).isEmpty();
    }
}
