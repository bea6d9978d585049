package dev.deployguard.kubernetes.prepull;

import static dev.deployguard.kubernetes.prepull.PrePullObjects.APP;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.NS;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.V2;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.V3;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.appPod;
import static dev.deployguard.kubernetes.prepull.PrePullObjects.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import dev.deployguard.testing.SimulatedClock;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real kubectl 1.32 as the oracle for the pre-pull DaemonSet: the object DeployGuard generates is applied by
 * {@code kubectl apply} (client-side validation of a real kubectl) and stored as written; and our reading of its
 * status agrees with {@code kubectl rollout status daemonset} (kubernetes/kubectl
 * pkg/polymorphichelpers/rollout_status.go) at every step a controller goes through.
 */
class PrePullKubectlIT {
    private MockCluster cluster;

    @BeforeEach
    void start() {
        Tools.require("kubectl apply and rollout status of the pre-pull DaemonSet");
        cluster = MockCluster.start();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kubectlAppliesTheGeneratedDaemonSetAndReadsItsStatusAsWeDo() throws Exception {
        DaemonSet built = PrePullDaemonSet.build(NS, APP, appPod(), V3, V2, "busybox:1.36.1");
        Path file = Files.createTempFile(cluster.home(), "prepull", ".yaml");
        Files.writeString(file, Serialization.asYaml(built));

        Tools.Result applied = Tools.kubectl(cluster, "apply", "-f", file.toString()).orFail();

        assertThat(applied.stdout()).contains("daemonset.apps/deployguard-prepull-web created");
        DaemonSet stored = cluster.client().apps().daemonSets().inNamespace(NS).withName("deployguard-prepull-web")
                .get();
        assertThat(stored.getSpec().getTemplate().getSpec()).isEqualTo(built.getSpec().getTemplate().getSpec());
        assertThat(stored.getSpec().getUpdateStrategy()).isEqualTo(built.getSpec().getUpdateStrategy());

        PrePull ours = new PrePull(cluster.client(), new SimulatedClock(Instant.EPOCH), d -> { },
                Duration.ofSeconds(1));
        int[][] steps = {{3, 1, 0}, {3, 3, 2}, {3, 3, 3}};
        for (int[] s : steps) {
            status(cluster.client(), s[0], s[1], s[2]);
            String kubectl = Tools.kubectl(cluster, "-n", NS, "rollout", "status",
                    "daemonset/deployguard-prepull-web", "--watch=false").orFail().stdout();
            boolean kubectlDone = kubectl.contains("successfully rolled out");
            assertThat(ours.observe(NS, APP, V3).done()).as("step %s: kubectl said %s", s, kubectl)
                    .isEqualTo(kubectlDone);
            assertThat(kubectlDone).isEqualTo(s[2] == 3);
        }

        // a template change kubectl applies is not done until the controller has observed it
        Files.writeString(file, Serialization.asYaml(PrePullDaemonSet.build(NS, APP, appPod(),
                PrePullObjects.V1, V3, "busybox:1.36.1")));
        Tools.kubectl(cluster, "apply", "-f", file.toString()).orFail();
        String kubectl = Tools.kubectl(cluster, "-n", NS, "rollout", "status", "daemonset/deployguard-prepull-web",
                "--watch=false").orFail().stdout();
        assertThat(kubectl).contains("Waiting for daemon set spec update to be observed");
        assertThat(ours.observe(NS, APP, PrePullObjects.V1).done()).isFalse();
    }
}
