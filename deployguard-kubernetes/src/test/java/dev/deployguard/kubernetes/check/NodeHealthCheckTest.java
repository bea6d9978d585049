package dev.deployguard.kubernetes.check;

import static dev.deployguard.kubernetes.check.ClusterObjects.cordonedNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.notReadyNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.readyNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.unreachableNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeHealthCheckTest {
    static final CheckContext CONTEXT = new CheckContext(null, "1.4.2", Duration.ofSeconds(30), Clock.systemUTC(),
            null);
    static final CheckContext ONE_SECOND = new CheckContext(null, "1.4.2", Duration.ofSeconds(1), Clock.systemUTC(),
            null);
    KubernetesMockServer server;
    KubernetesClient client;

    void given(Node... nodes) {
        for (Node n : nodes) {
            client.nodes().resource(n).create();
        }
    }

    @Test
    void allNodesReadyAndSchedulablePass() {
        given(readyNode("node-a", "15613160Ki"), readyNode("node-b", "15613160Ki"));

        CheckResult r = new NodeHealthCheck(client).run(CONTEXT);

        assertThat(r.name()).isEqualTo("cluster.health");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("all 2 node(s) Ready and schedulable: node-a, node-b");
    }

    @Test
    void notReadyUnknownAndCordonedNodesFailWithTheKubeletsReasons() {
        given(readyNode("node-a", "15613160Ki"), notReadyNode("node-b"), unreachableNode("node-c"),
                cordonedNode("node-d", "15613160Ki"));

        CheckResult r = new NodeHealthCheck(client).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("3 of 4 node(s) not Ready or cordoned: "
                + "node-b Ready=False (KubeletNotReady: container runtime network not ready: NetworkReady=false"
                + " reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized),"
                + " taints node.kubernetes.io/not-ready:NoSchedule; "
                + "node-c Ready=Unknown (NodeStatusUnknown: Kubelet stopped posting node status.), taints"
                + " node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute; "
                + "node-d cordoned (spec.unschedulable), taints node.kubernetes.io/unschedulable:NoSchedule");
        assertThat(r.remedy()).contains("kubectl uncordon");
        assertThat(r.data()).containsEntry("notReadyOrCordoned", 3);
    }

    @Test
    void noNodesFails() {
        CheckResult r = new NodeHealthCheck(client).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).endsWith(" has no nodes");
    }

    @Test
    void forbiddenIsCannotTellNamingThePermission() {
        server.expect().get().withPath("/api/v1/nodes").andReturn(403, Unanswered.forbidden("list", "nodes", null))
                .always();

        CheckResult r = new NodeHealthCheck(client).run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).startsWith("the Kubernetes API server at ").contains(" refused to list nodes"
                + " (403 Forbidden): nodes is forbidden: User \"system:serviceaccount:deploy:deployguard\" cannot"
                + " list resource \"nodes\" in API group \"\" at the cluster scope");
        assertThat(r.remedy()).isEqualTo("Grant DeployGuard's credentials the RBAC permission verb 'list' on resource"
                + " 'nodes' (a ClusterRole: nodes are cluster-wide).");
    }

    @Test
    void unreachableApiServerIsCannotTell() throws Exception {
        try (KubernetesClient unreachable = Unanswered.unreachable()) {
            // A hang guard, not a stopwatch: fabric8's retries with backoff (the default) would outlast it.
            CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> new NodeHealthCheck(unreachable).run(ONE_SECOND));

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).startsWith("cannot reach the Kubernetes API server at "
                    + unreachable.getConfiguration().getMasterUrl() + " to list nodes: ");
            assertThat(r.remedy()).contains("(connection refused)");
        }
    }

    @Test
    void hungApiServerIsCannotTellAfterTheChecksTimeout() throws Exception {
        try (var silent = Unanswered.silentServer(); KubernetesClient hung = Unanswered.client(silent.url())) {
            CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> new NodeHealthCheck(hung).run(ONE_SECOND));

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).startsWith("the Kubernetes API server at " + hung.getConfiguration().getMasterUrl()
                    + " did not answer in time to list nodes: ");
        }
    }
}
