package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.drill.DrillReport;
import dev.deployguard.server.drill.DrillRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollback drill of a Helm release, and of a Helm release that deploys by canary, through a real (in-process)
 * control plane against the mock API server and the simulated Deployment controller: the same script as every
 * other drill (deploy baseline, record, deploy candidate, verify, roll back, compare field by field), with the
 * release's Deployment read from the cluster and the rollback written as Helm writes it (a new revision).
 */
class KubernetesProgressiveDrillTest {
    private static final List<String> STEPS = List.of("deploy baseline", "record baseline", "deploy candidate",
            "verify candidate", "roll back", "verify restored");

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    @Test
    void aHelmReleaseIsDrilledThroughHelmRevisionsAndReturnsToItsBaseline() throws Exception {
        cluster.readyNode();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), "");

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), null), "alice");

        assertThat(report.passed()).as(report.summary() + " " + report.steps()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactlyElementsOf(STEPS);
        assertThat(report.baseline().fields()).containsEntry("release.version", "v1")
                .containsEntry("deployment.images", "app=shop/web:v1").containsEntry("deployment.replicas", "2");
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(cluster.helmHistory()).as("install, upgrade to the candidate, rollback: three Helm revisions")
                .extracting(HelmRelease::version, HelmRelease::statusText).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, "superseded"),
                        org.assertj.core.groups.Tuple.tuple(2, "superseded"),
                        org.assertj.core.groups.Tuple.tuple(3, "deployed"));
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(kube.kinds()).contains("drill.started", "drill.step", "drill.finished");
    }

    @Test
    void aHelmCanaryIsPromotedToItsEndByTheDrillThenRolledBack() throws Exception {
        cluster.app().ingress();
        cluster.readyNode();
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)) + ClusterFixture.CANARY,
                ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
        // Installed before: the drill's baseline then comes by canary too, which labels the chart's pods with
        // DeployGuard's track (once; kept through Helm writes), so baseline and rollback carry the same template.
        kube.deploy("v0");

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), null), "alice");

        assertThat(report.passed()).as(report.summary() + " " + report.steps()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactlyElementsOf(STEPS);
        assertThat(cp.store().rollouts("web", 2)).as("baseline and candidate went through canaries the drill promoted")
                .extracting(Rollout::phase).containsExactly(Rollout.Phase.SUCCEEDED, Rollout.Phase.SUCCEEDED);
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
    }

    @Test
    void aDeploymentCanaryIsPromotedToItsEndByTheDrillThenRolledBack() throws Exception {
        cluster.readyNode();
        cluster.runController(20);
        ControlPlane cp = kube.startCanary(dir, "[{setWeight: 20}, {pause: {}}]");

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), null), "alice");

        assertThat(report.passed()).as(report.summary() + " " + report.steps()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactlyElementsOf(STEPS);
        assertThat(report.steps().get(0).detail()).as("v1 already serves: the baseline is kept").contains("(v1)");
        assertThat(cp.store().rollouts("web", 2)).as("the candidate went through a canary the drill promoted")
                .extracting(Rollout::phase).containsExactly(Rollout.Phase.SUCCEEDED);
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(report.baseline().fields().get("deployment.images")).endsWith(":v1");
        assertThat(cluster.canaryIngress()).isNull();
    }

    @Test
    void aDrillWaitsForNoRolloutAndChangesNothingWhileOneRuns() throws Exception {
        cluster.readyNode();
        cluster.runController(20);
        ControlPlane cp = kube.startCanary(dir, "[{setWeight: 20}, {pause: {}}]");
        kube.deploy("v1");
        assertThat(cp.store().activeRollout("web")).isPresent();
        String image = cluster.image("web");

        assertThatThrownBy(() -> cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), null),
                "alice")).hasMessageContaining("rollout of revision").hasMessageContaining("promote or abort");

        assertThat(kube.kinds()).noneMatch(k -> k.startsWith("drill."));
        assertThat(cluster.image("web")).isEqualTo(image);
        assertThat(cp.store().activeRollout("web")).as("the rollout is left as it was").isPresent();
    }
}
