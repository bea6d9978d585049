package dev.deployguard.server.kubernetes;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Helm canary's promotion and a Helm blue/green's switch, driven by a real (in-process) control plane on the mock
 * API server, of a chart that needs the cluster (a {@code pre-upgrade} hook, {@code .Release.IsUpgrade} and
 * {@code .Release.Revision}): the upgrade goes through Helm's own library with the app's kubeconfig, so the hook runs
 * and is recorded as helm records it, the chart renders as an upgrade of revision 2, and the change-cause is the
 * revision's description ({@code helm upgrade --description}). HelmProgressiveFidelityIT compares the same path
 * field by field with real helm.
 */
class KubernetesHelmHookedPromotionTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    /** The canary test chart, plus a ConfigMap that says how it was rendered and a pre-upgrade hook. */
    private Path hookedChart() throws Exception {
        Path chart = KubernetesHelmCanaryRolloutTest.chart(dir);
        Files.writeString(chart.resolve("templates/rendered.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: web-rendered}
                data:
                  isUpgrade: {{ .Release.IsUpgrade | quote }}
                  revision: {{ .Release.Revision | quote }}
                """);
        Files.writeString(chart.resolve("templates/hook.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: web-pre-upgrade
                  annotations:
                    helm.sh/hook: pre-upgrade
                data:
                  tag: {{ .Values.image.tag | quote }}
                """);
        return chart;
    }

    private void assertUpgradedByHelm(String description) {
        List<HelmRelease> history = cluster.helmHistory();
        assertThat(history).extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "superseded"),
                org.assertj.core.groups.Tuple.tuple(2, "deployed"));
        HelmRelease v2 = history.get(1);
        assertThat(v2.description()).isEqualTo(description);
        List<String> hooks = new ArrayList<>();
        for (JsonNode h : v2.json().path("hooks")) {
            hooks.add(h.path("name").asText() + " " + h.path("events").get(0).asText() + " "
                    + h.path("last_run").path("phase").asText());
        }
        assertThat(hooks).containsExactly("web-pre-upgrade pre-upgrade Succeeded");
        ConfigMap hook = cluster.client().configMaps().inNamespace("shop").withName("web-pre-upgrade").get();
        assertThat(hook).as("the hook ran (its delete policy keeps it)").isNotNull();
        assertThat(hook.getData()).containsEntry("tag", "v2");
        assertThat(cluster.client().configMaps().inNamespace("shop").withName("web-rendered").get().getData())
                .containsEntry("isUpgrade", "true").containsEntry("revision", "2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
    }

    @Test
    void aCanaryPromotionRunsTheUpgradeHooksAndRendersAsAnUpgrade() throws Exception {
        cluster.app().ingress();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(hookedChart())
                + ClusterFixture.CANARY, ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
        kube.deploy("v1");
        assertThat(cluster.client().configMaps().inNamespace("shop").withName("web-rendered").get().getData())
                .containsEntry("isUpgrade", "false").containsEntry("revision", "1");
        kube.deploy("v2");
        assertThat(cluster.client().configMaps().inNamespace("shop").withName("web-pre-upgrade").get())
                .as("no hook before promotion").isNull();
        Rollout r = cp.store().activeRollout("web").orElseThrow();

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        await("the promoted rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertUpgradedByHelm("DeployGuard: promoted revision 2 of web after its canary (rollout " + r.id() + ")");
    }

    @Test
    void aBlueGreenSwitchRunsTheUpgradeHooksAndRendersAsAnUpgrade() throws Exception {
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(hookedChart())
                + ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen("5s"));
        kube.deploy("v1");
        kube.deploy("v2");
        Rollout r = cp.store().activeRollout("web").orElseThrow();

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");
        await("the rollout to finish", () -> cp.store().activeRollout("web").isEmpty());

        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertUpgradedByHelm("DeployGuard: blue/green revision 2 of web (rollout " + r.id() + ")");
    }
}
