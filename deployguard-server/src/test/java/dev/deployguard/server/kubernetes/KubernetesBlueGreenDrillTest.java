package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.drill.DrillReport;
import dev.deployguard.server.drill.DrillRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollback drill of Kubernetes blue/green apps, through a real (in-process) control plane against the mock API
 * server and the simulated Deployment controller (the mock runs none: the simulator rolls the Deployments out as a
 * controller would): the one drill script deploys the baseline with blue/green (a Deployment app is moved into its
 * slots first), upgrades to the candidate with blue/green (promoted to its end by the drill), rolls back, and
 * compares the state users reach field by field: the active slot, the Service's selector, the serving Deployment's
 * image, template and replicas, and the idle slot's replicas.
 */
class KubernetesBlueGreenDrillTest {
    private static final List<String> STEPS = List.of("deploy baseline", "record baseline", "deploy candidate",
            "verify candidate", "roll back", "verify restored");
    private static final String SLOT = "deployguard.dev/slot";
    /** Each step's bound: generous, for a machine shared with other builds (the simulated controller is real time). */
    private static final Duration LOADED = Duration.ofMinutes(3);

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    @Test
    void aDeploymentAppIsDrilledThroughItsSlotsAndReturnsToTheSameSlotAndImage() throws Exception {
        cluster.readyNode();
        ControlPlane cp = kube.startBlueGreen(dir, "1h");

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), LOADED), "alice");

        assertThat(report.passed()).as(report.summary() + " " + report.steps()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactlyElementsOf(STEPS);
        assertThat(report.steps().get(0).detail()).as("v1 served from the app's own Deployment, not a slot: the"
                + " baseline is deployed with blue/green").contains("revision 2 (v1)");
        assertThat(report.baseline().fields())
                .containsEntry("release.version", "v1")
                .containsEntry("slots.active", "green")
                .containsEntry("service.selector", "app=web," + SLOT + "=green")
                .containsEntry("deployment.images", "app=shop/web:v1")
                .containsEntry("deployment.replicas", "3")
                .containsEntry("deployment.readyReplicas", "3")
                .containsEntry("slots.idleReplicas", "0");
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(cp.store().rollouts("web", 3)).as("baseline and candidate by blue/green, then the rollback,"
                + " which started slot green again").extracting(Rollout::phase).containsOnly(Rollout.Phase.SUCCEEDED)
                .hasSize(3);
        assertThat(cp.store().rollouts("web", 1).get(0).outcome())
                .isEqualTo("rollback to revision 2 by alice (drill): drill: back to v1");
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", SLOT, "green"));
        assertThat(cluster.image("web-green")).isEqualTo("shop/web:v1");
        assertThat(cluster.replicas("web-blue")).isZero();
        assertThat(kube.kinds()).contains("drill.started", "drill.finished", "rollback.succeeded")
                .doesNotContain("rollback.failed");
    }

    @Test
    void anIdleSlotTheRollbackDoesNotLeaveAsItWasIsNamedByTheComparison() throws Exception {
        cluster.readyNode();
        ControlPlane cp = kube.startBlueGreen(dir, "1h");
        DrillReport first = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), LOADED), "alice");
        assertThat(first.passed()).as(first.summary() + " " + first.steps()).isTrue();
        // Someone scales the idle slot up by hand after the drill: the next drill's baseline records it, and a
        // rollback (which scales the slot rolled back from to 0) cannot restore it: the drill says which field.
        cluster.client().apps().deployments().inNamespace("shop").withName("web-blue").edit(d -> {
            d.getSpec().setReplicas(1);
            return d;
        });

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v3"), List.of(), LOADED), "alice");

        assertThat(report.passed()).isFalse();
        assertThat(report.summary()).contains("slots.idleReplicas");
        assertThat(report.after().fields()).containsEntry("slots.active", "green")
                .containsEntry("deployment.images", "app=shop/web:v1");
    }

    @Test
    void aHelmBlueGreenReleaseIsDrilledThroughHelmRevisionsAndReturnsToItsBaseline() throws Exception {
        cluster.readyNode();
        cluster.runController(20);
        String helm = "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir));
        ControlPlane cp = kube.startControlPlane(dir, helm + ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen("1h"));
        // Installed before: the drill's baseline then comes by blue/green too, which gives the release's pods
        // DeployGuard's track label (once; kept through Helm writes), so baseline and rollback carry the same template.
        kube.deploy("v0");

        DrillReport report = cp.drills().run(new DrillRequest("web", List.of("v1", "v2"), List.of(), LOADED), "alice");

        assertThat(report.passed()).as(report.summary() + " " + report.steps()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactlyElementsOf(STEPS);
        assertThat(report.baseline().fields()).containsEntry("release.version", "v1")
                .containsEntry("slots.active", "release")
                .containsEntry("service.selector", "app=web,deployguard.dev/track=stable")
                .containsEntry("deployment.images", "app=shop/web:v1")
                .containsEntry("slots.idleReplicas", "0");
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(cp.store().rollouts("web", 2)).as("baseline and candidate went through blue/green rollouts")
                .extracting(Rollout::phase).containsExactly(Rollout.Phase.SUCCEEDED, Rollout.Phase.SUCCEEDED);
        assertThat(cluster.helmHistory()).extracting(HelmRelease::version, HelmRelease::statusText).last()
                .isEqualTo(Tuple.tuple(4, "deployed"));
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cluster.selector("web")).containsEntry("deployguard.dev/track", "stable");
    }
}
