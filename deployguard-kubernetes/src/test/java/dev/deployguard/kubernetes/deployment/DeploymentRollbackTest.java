package dev.deployguard.kubernetes.deployment;

import static dev.deployguard.kubernetes.deployment.Apps.NAME;
import static dev.deployguard.kubernetes.deployment.Apps.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.client.KubeClients;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input and API failures: each a clear DeployGuardException with its exit code, and nothing half-applied. */
class DeploymentRollbackTest {
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/shop/deployments/web";

    private MockCluster cluster;
    private ClusterSimulator simulator;
    private DeploymentRollback rollback;

    @BeforeEach
    void start() {
        cluster = MockCluster.start();
        simulator = new ClusterSimulator(cluster.client());
        rollback = new DeploymentRollback(cluster.client());
        Apps.withRevisions(cluster.client(), simulator, 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void missingNamespaceIsNamed() {
        assertThatThrownBy(() -> rollback.rollback("nope", NAME, null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("namespace \"nope\" does not exist");
    }

    @Test
    void missingDeploymentIsNamed() {
        assertThatThrownBy(() -> rollback.rollback(NS, "api", null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("deployment \"api\" not found in namespace \"shop\"")
                .hasMessageContaining("platform.kubernetes.deployment");
    }

    @Test
    void revisionNotInHistoryListsTheOnesThereAreAndChangesNothing() {
        Deployment before = current();
        assertThatThrownBy(() -> rollback.rollback(NS, NAME, 7L, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("revision 7 is not in the history of deployment \"web\"")
                .hasMessageContaining("revisions there: 1, 2, 3");
        assertThat(current().getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    }

    @Test
    void negativeRevisionIsBadInput() {
        assertThatThrownBy(() -> rollback.rollback(NS, NAME, -1L, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT));
    }

    @Test
    void forbiddenSaysWhichVerbAndResourceRbacMustAllow() {
        cluster.fail("PUT", DEPLOYMENTS, 403, "Forbidden", 1);
        assertThatThrownBy(() -> rollback.rollback(NS, NAME, null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.FAILURE))
                .hasMessageContaining("forbidden")
                .hasMessageContaining("verb 'update' on resource 'deployments.apps'")
                .hasMessageContaining("namespace shop");
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.3");
    }

    @Test
    void conflictsAreRetriedOnAFreshRead() {
        cluster.fail("PUT", DEPLOYMENTS, 409, "Conflict", 2);
        RollbackResult r = rollback.rollback(NS, NAME, 1L, "alice", null);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.1");
    }

    @Test
    void endlessConflictsGiveUpWithoutChangingAnything() {
        cluster.fail("PUT", DEPLOYMENTS, 409, "Conflict", DeploymentRollback.MAX_ATTEMPTS);
        assertThatThrownBy(() -> rollback.rollback(NS, NAME, 1L, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.FAILURE))
                .hasMessageContaining("409 conflict").hasMessageContaining("nothing was rolled back");
        assertThat(Apps.image(cluster.client())).isEqualTo("nginx:1.3");
    }

    @Test
    void aRealConcurrentChangeIsNotOverwritten() {
        // Someone else changes the Deployment between our read and our write: the stale write must get a 409
        // from the server, so the retry sees their change instead of silently undoing it.
        Deployment stale = current();
        new DeploymentUpdate(cluster.client()).setImage(NS, NAME, NAME, "nginx:1.9", "hotfix", "bob");
        stale.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("nginx:1.1");
        assertThatThrownBy(() -> cluster.client().apps().deployments().inNamespace(NS).resource(stale).update())
                .hasMessageContaining("409");
    }

    @Test
    void unreachableApiServerIsExitCodeFive(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, MockCluster.kubeconfigText("http://127.0.0.1:" + port, NS));
        var spec = new KubernetesSpec(NS, "mock", kubeconfig, null, null, null, null, null, Duration.ofMinutes(1));
        try (KubernetesClient dead = KubeClients.open(spec)) {
            assertThatThrownBy(() -> new DeploymentRollback(dead).rollback(NS, NAME, null, "alice", null))
                    .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                            .isEqualTo(ExitCode.UNREACHABLE))
                    .hasMessageContaining("cannot reach the Kubernetes API server at http://127.0.0.1:" + port)
                    .hasMessageContaining("to get deployments.apps \"web\" in namespace shop");
        }
    }

    @Test
    void pausedDeploymentIsRefusedLikeKubectl() {
        cluster.client().apps().deployments().inNamespace(NS).withName(NAME).edit(d -> {
            d.getSpec().setPaused(true);
            return d;
        });
        assertThatThrownBy(() -> rollback.rollback(NS, NAME, null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("paused").hasMessageContaining("kubectl rollout resume");
    }

    @Test
    void aSingleRevisionHasNothingToRollBackTo() {
        var api = Apps.web("redis:7", "first");
        api.getMetadata().setName("api");
        api.getSpec().getSelector().getMatchLabels().put("app", "api");
        api.getSpec().getTemplate().getMetadata().getLabels().put("app", "api");
        cluster.client().apps().deployments().inNamespace(NS).resource(api).create();
        simulator.settle(10);
        assertThatThrownBy(() -> rollback.rollback(NS, "api", null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("has no earlier revision to roll back to (history: 1)");
    }

    private Deployment current() {
        return cluster.client().apps().deployments().inNamespace(NS).withName(NAME).get();
    }
}
