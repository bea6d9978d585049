package dev.deployguard.kubernetes.deployment;

import static dev.deployguard.kubernetes.deployment.Apps.NAME;
import static dev.deployguard.kubernetes.deployment.Apps.NS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real kubectl 1.32 as the oracle: for the same objects (built as the Deployment controller builds them), our
 * history equals {@code kubectl rollout history}, our rollback reads right in kubectl, and kubectl's undo reads
 * right in ours.
 */
class KubectlCompatibilityIT {
    private MockCluster cluster;
    private ClusterSimulator simulator;
    private DeploymentHistory history;
    private DeploymentRollback rollback;

    @BeforeEach
    void start() {
        Tools.require("kubectl rollout history/undo against our Deployment history");
        cluster = MockCluster.start();
        simulator = new ClusterSimulator(cluster.client());
        history = new DeploymentHistory(cluster.client());
        rollback = new DeploymentRollback(cluster.client());
        Apps.withRevisions(cluster.client(), simulator, 3);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void historyHasTheSameRowsAsKubectl() {
        assertThat(ours()).containsExactly("1 deploy v1", "2 deploy v2", "3 deploy v3");
        assertThat(kubectlRows()).isEqualTo(ours());
    }

    @Test
    void oneRevisionHasTheSameTemplateAsKubectlShows() throws Exception {
        JsonNode rs = new ObjectMapper().readTree(Tools.kubectl(cluster, "-n", NS, "rollout", "history",
                "deployment/" + NAME, "--revision=2", "-o", "json").orFail().stdout());
        Revision two = history.revision(NS, NAME, 2);
        assertThat(two.images()).containsExactly("nginx:1.2", "envoy:1.30");
        assertThat(rs.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText())
                .isEqualTo("nginx:1.2");
    }

    @Test
    void ourRollbackReadsRightInKubectl() {
        RollbackResult r = rollback.rollback(NS, NAME, null, "alice", "error rate 7% above 1% threshold");
        simulator.settle(10);

        assertThat(r.skipped()).isFalse();
        assertThat(r.fromRevision()).isEqualTo(3);
        assertThat(r.toRevision()).isEqualTo(2);
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.2");
        // as after kubectl's undo, revision 2's ReplicaSet is re-used and becomes revision 4
        assertThat(ours()).containsExactly("1 deploy v1", "3 deploy v3",
                "4 rollback to revision 2 (deploy v2): error rate 7% above 1% threshold");
        assertThat(kubectlRows()).isEqualTo(ours());
        var annotations = cluster.client().apps().deployments().inNamespace(NS).withName(NAME).get().getMetadata()
                .getAnnotations();
        assertThat(annotations).containsEntry(Annotations.ROLLED_BACK_BY, "alice")
                .containsEntry(Annotations.ROLLED_BACK_TO, "2").containsEntry(Annotations.ROLLED_BACK_FROM, "3")
                .containsEntry(Annotations.ROLLBACK_REASON, "error rate 7% above 1% threshold")
                .containsEntry(Annotations.REVISION, "4");
    }

    @Test
    void kubectlUndoReadsRightInOurs() {
        Tools.kubectl(cluster, "-n", NS, "rollout", "undo", "deployment/" + NAME).orFail();
        simulator.settle(10);

        assertThat(ours()).containsExactly("1 deploy v1", "3 deploy v3", "4 deploy v2");
        assertThat(kubectlRows()).isEqualTo(ours());
        assertThat(history.list(NS, NAME).get(2).current()).isTrue();
    }

    @Test
    void toRevisionBothWays() {
        rollback.rollback(NS, NAME, 1L, "bob", null);
        simulator.settle(10);
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.1");
        assertThat(kubectlRows()).isEqualTo(ours()).containsExactly("2 deploy v2", "3 deploy v3",
                "4 rollback to revision 1 (deploy v1)");

        Tools.kubectl(cluster, "-n", NS, "rollout", "undo", "deployment/" + NAME, "--to-revision=3").orFail();
        simulator.settle(10);
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.3");
        assertThat(ours()).isEqualTo(kubectlRows()).containsExactly("2 deploy v2",
                "4 rollback to revision 1 (deploy v1)", "5 deploy v3");
    }

    @Test
    void rollingBackToTheCurrentTemplateIsSkippedLikeKubectl() {
        RollbackResult r = rollback.rollback(NS, NAME, 3L, "alice", null);
        assertThat(r.skipped()).isTrue();
        assertThat(r.message()).contains("skipped rollback (current template already matches revision 3)");
        assertThat(Tools.kubectl(cluster, "-n", NS, "rollout", "undo", "deployment/" + NAME, "--to-revision=3")
                .orFail().stdout()).contains("skipped rollback");
        simulator.settle(10);
        assertThat(ours()).containsExactly("1 deploy v1", "2 deploy v2", "3 deploy v3");
    }

    private List<String> ours() {
        return history.list(NS, NAME).stream().map(r -> r.number() + " " + r.changeCauseOrNone()).toList();
    }

    /** kubectl's table: "deployment.apps/web", then "REVISION  CHANGE-CAUSE", then one row per revision. */
    private List<String> kubectlRows() {
        String out = Tools.kubectl(cluster, "-n", NS, "rollout", "history", "deployment/" + NAME).orFail().stdout();
        List<String> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.matches("^\\d+\\s+.*")) {
                String[] parts = line.trim().split("\\s+", 2);
                rows.add(parts[0] + " " + parts[1].trim());
            }
        }
        return rows;
    }
}
