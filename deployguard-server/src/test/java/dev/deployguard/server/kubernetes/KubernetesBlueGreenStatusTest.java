package dev.deployguard.server.kubernetes;

import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.releases;
import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.rows;
import static dev.deployguard.server.kubernetes.KubernetesControlPlaneFixture.slotRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.testing.SimulatedClock;
import dev.deployguard.release.Release;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
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
 * {@code status} and {@code history} of a Kubernetes blue/green app, answered by a real (in-process) control plane
 * from the mock API server with the simulated Deployment controller: before the first deploy, with the new slot in
 * preview, after promotion while the old slot stays warm, after its scale-down, and with the cluster gone. The
 * control plane runs on a simulated clock so the scale-down delay ends when the test says.
 */
class KubernetesBlueGreenStatusTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(T0);
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private ControlPlane cp;

    @BeforeEach
    void start() throws Exception {
        cp = kube.startBlueGreen(dir, "1h");
    }

    @Test
    void beforeTheFirstDeployTheAppsOwnDeploymentServesAndThereAreNoSlots() {
        Map<String, Object> status = cp.kubernetes().status("web");

        Map<String, Object> k = kubernetes(status);
        assertThat(k).containsEntry("strategy", "blueGreen").containsEntry("reachable", true)
                .containsEntry("service", "web").containsEntry("previewService", "web-preview")
                .containsEntry("activeSlot", null).containsEntry("previewSlot", null)
                .containsEntry("deployment", "web").containsEntry("replicas", 3).containsEntry("availableReplicas", 3);
        assertThat(slots(status)).isEmpty();
        Release serving = (Release) status.get("serving");
        assertThat(serving.revision()).isEqualTo(1);
        assertThat(serving.version()).isEqualTo("v1");

        Map<String, Object> history = cp.kubernetes().historyAnswer("web");
        assertThat(rows(history)).containsExactly("1 v1 DEPLOYED");
        assertThat((List<?>) history.get("slots")).isEmpty();
    }

    @Test
    void previewThenPromotedWithTheOldSlotWarmThenScaledDown() throws Exception {
        kube.deploy("v2");

        Map<String, Object> during = cp.kubernetes().status("web");
        assertThat(kubernetes(during)).containsEntry("activeSlot", "blue").containsEntry("previewSlot", "green")
                .doesNotContainKey("error");
        assertThat(slots(during)).extracting(s -> s.get("slot") + " " + s.get("role") + " " + s.get("revision")
                        + " " + s.get("version") + " " + s.get("image") + " " + s.get("readyReplicas") + "/"
                        + s.get("replicas") + " " + s.get("selectedBy"))
                .containsExactly("blue active 1 v1 shop/web:v1 3/3 [web]",
                        "green preview 2 v2 shop/web:v2 3/3 [web-preview]");
        assertThat(slots(during)).allSatisfy(s -> assertThat(s).containsEntry("rolledOut", true)
                .containsEntry("scaleDownAt", null));
        assertThat(((Release) during.get("serving")).revision()).as("users are still on blue").isEqualTo(1);
        assertThat(((Rollout) during.get("rollout")).phase()).isEqualTo(Rollout.Phase.PAUSED);
        Map<String, Object> historyDuring = cp.kubernetes().historyAnswer("web");
        assertThat(rows(historyDuring)).containsExactly("1 v1 DEPLOYED", "2 v2 PROGRESSING");
        assertThat(slotRows(historyDuring)).containsExactly("blue 1 active", "green 2 preview");
        Release two = releases(historyDuring).get(1);
        assertThat(two.actor()).isEqualTo("alice");
        assertThat(two.changeCause()).isEqualTo("blue/green of v2 by alice");

        cp.rollouts().command("web", RolloutEngine.Command.PROMOTE, "bob");

        Map<String, Object> promoted = cp.kubernetes().status("web");
        assertThat(kubernetes(promoted)).containsEntry("activeSlot", "green").containsEntry("previewSlot", "green");
        assertThat(slots(promoted)).extracting(s -> s.get("slot") + " " + s.get("role") + " " + s.get("revision")
                        + " " + s.get("replicas") + " " + s.get("selectedBy") + " " + s.get("scaleDownAt"))
                .containsExactly("blue warm 1 3 [] " + T0.plus(Duration.ofHours(1)),
                        "green active 2 3 [web, web-preview] null");
        Release serving = (Release) promoted.get("serving");
        assertThat(serving.revision() + " " + serving.version() + " " + serving.actor()).isEqualTo("2 v2 alice");
        assertThat(rows(cp.kubernetes().historyAnswer("web"))).containsExactly("1 v1 SUPERSEDED", "2 v2 DEPLOYED");
        assertThat(slotRows(cp.kubernetes().historyAnswer("web"))).containsExactly("blue 1 warm", "green 2 active");

        clock.advance(Duration.ofHours(1).plusSeconds(1));
        kube.await("the scale-down delay to end the rollout", () -> cp.store().activeRollout("web").isEmpty());

        Map<String, Object> after = cp.kubernetes().status("web");
        assertThat(slots(after)).extracting(s -> s.get("slot") + " " + s.get("role") + " " + s.get("revision")
                        + " " + s.get("replicas") + " " + s.get("scaleDownAt"))
                .containsExactly("blue scaled-down 1 0 null", "green active 2 3 null");
        assertThat(((Rollout) after.get("rollout")).phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(slotRows(cp.kubernetes().historyAnswer("web")))
                .containsExactly("blue 1 scaled-down", "green 2 active");

        kube.deploy("v3");
        cp.rollouts().command("web", RolloutEngine.Command.ABORT, "bob");

        Map<String, Object> history = cp.kubernetes().historyAnswer("web");
        assertThat(rows(history)).as("blue now holds the aborted revision 3; 1's version still comes from the"
                + " app's own Deployment").containsExactly("1 v1 SUPERSEDED", "2 v2 DEPLOYED", "3 v3 ROLLED_BACK");
        assertThat(slotRows(history)).containsExactly("blue 3 scaled-down", "green 2 active");
    }

    @Test
    void anUnreachableClusterStillGivesWhatTheStoreKnowsAndSaysSo() throws Exception {
        kube.deploy("v2");
        cluster.stop();

        Map<String, Object> status = cp.kubernetes().status("web");

        Map<String, Object> k = kubernetes(status);
        assertThat(k).containsEntry("reachable", false).containsEntry("exitCode", 5)
                .containsEntry("namespace", "shop").containsEntry("service", "web").doesNotContainKey("slots");
        assertThat((String) k.get("error")).contains("unreachable");
        Release serving = (Release) status.get("serving");
        assertThat(serving.revision()).as("the rollout in the store is paused before promotion: revision 1 serves")
                .isEqualTo(1);
        assertThat(serving.version()).isEqualTo("unknown");
        Rollout rollout = (Rollout) status.get("rollout");
        assertThat(rollout.canaryRevision()).isEqualTo(2);
        assertThat(rollout.phase()).isEqualTo(Rollout.Phase.PAUSED);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kubernetes(Map<String, Object> status) {
        return (Map<String, Object>) status.get("kubernetes");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> slots(Map<String, Object> status) {
        return (List<Map<String, Object>>) kubernetes(status).get("slots");
    }
}
