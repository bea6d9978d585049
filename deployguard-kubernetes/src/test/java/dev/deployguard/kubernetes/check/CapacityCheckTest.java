package dev.deployguard.kubernetes.check;

import static dev.deployguard.kubernetes.check.ClusterObjects.completed;
import static dev.deployguard.kubernetes.check.ClusterObjects.cordonedNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.evicted;
import static dev.deployguard.kubernetes.check.ClusterObjects.notReadyNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.pod;
import static dev.deployguard.kubernetes.check.ClusterObjects.readyNode;
import static dev.deployguard.kubernetes.check.ClusterObjects.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class CapacityCheckTest {
    static final CheckContext CONTEXT = new CheckContext(null, "1.4.2", Duration.ofSeconds(30), Clock.systemUTC(),
            null);
    static final CheckContext ONE_SECOND = new CheckContext(null, "1.4.2", Duration.ofSeconds(1), Clock.systemUTC(),
            null);
    KubernetesMockServer server;
    KubernetesClient client;

    /**
     * Two usable 4 Gi nodes with 3 Gi requested on them (one pod with an init container bigger than its app
     * containers), plus capacity that must not count: a NotReady node, a cordoned node, and pods that ended.
     */
    @BeforeEach
    void cluster() {
        for (Node n : new Node[] {readyNode("node-a", "4Gi"),
                readyNode("node-b", "4Gi"), notReadyNode("node-c"), cordonedNode("node-d", "8Gi")}) {
            client.nodes().resource(n).create();
        }
        var withInit = pod("shop", "shop-web-1", "node-a", "512Mi").editSpec()
                .addNewInitContainer().withName("warm-cache").withImage("busybox")
                    .withNewResources().withRequests(Map.of("memory", new Quantity("1Gi"))).endResources()
                .endInitContainer().endSpec();
        for (Pod p : new Pod[] {
                running(withInit),
                running(pod("shop", "shop-web-2", "node-a", "1Gi")),
                running(pod("billing", "billing-1", "node-b", "1024Mi")),
                running(pod("billing", "billing-on-cordoned", "node-d", "6Gi")),
                completed(pod("shop", "shop-migrate-1", "node-b", "2Gi")),
                evicted(pod("shop", "shop-web-old", "node-b", "2Gi"))}) {
            client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
        }
    }

    @Test
    void enoughFreeMemoryPassesWithTheNumbers() {
        CheckResult r = new CapacityCheck(client, 3, "1536Mi").run(CONTEXT);

        assertThat(r.name()).isEqualTo("cluster.capacity");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("free memory 5.0 Gi (allocatable 8.0 Gi on 2 schedulable node(s) −"
                + " requested 3.0 Gi by 3 pod(s)) ≥ needed 4.5 Gi (3 × 1536Mi); most free on one node 3.0 Gi");
        assertThat(r.data()).containsEntry("freeBytes", 5L << 30).containsEntry("neededBytes", 4608L << 20);
    }

    @Test
    void thePerPodRequestCanComeFromAPodTemplate() {
        var template = pod("shop", "template", null, "512Mi").editSpec()
                .addNewContainer().withName("sidecar").withImage("envoy")
                    .withNewResources().withRequests(Map.of("memory", new Quantity("256Mi"))).endResources()
                .endContainer()
                .withOverhead(Map.of("memory", new Quantity("64Mi"))).endSpec().build();
        long perPod = CapacityCheck.memoryRequest(template.getSpec());

        CheckResult r = new CapacityCheck(client, 6, perPod).run(CONTEXT);

        assertThat(perPod).isEqualTo(832L << 20);
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).contains("≥ needed 4.9 Gi (6 × 832 Mi)");
    }

    @Test
    void notEnoughFreeMemoryFails() {
        CheckResult r = new CapacityCheck(client, 4, "1536Mi").run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("free memory 5.0 Gi (allocatable 8.0 Gi on 2 schedulable node(s) −"
                + " requested 3.0 Gi by 3 pod(s)) < needed 6.0 Gi (4 × 1536Mi); most free on one node 3.0 Gi");
        assertThat(r.remedy()).contains("Add nodes");
    }

    @Test
    void forbiddenPodListIsCannotTellNamingTheClusterPermission() {
        server.expect().get().withPath("/api/v1/pods").andReturn(403, Unanswered.forbidden("list", "pods", null))
                .always();

        CheckResult r = new CapacityCheck(client, 1, "256Mi").run(CONTEXT);

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.remedy()).isEqualTo("Grant DeployGuard's credentials the RBAC permission verb 'list' on resource"
                + " 'pods' (a ClusterRole: pods are cluster-wide).");
    }

    @Test
    void hungApiServerIsCannotTell() throws Exception {
        try (var silent = Unanswered.silentServer(); KubernetesClient hung = Unanswered.client(silent.url())) {
            CheckResult r = new CapacityCheck(hung, 1, "256Mi").run(ONE_SECOND);

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).contains(" did not answer in time to list nodes: ");
        }
    }

    @Test
    void badMemoryQuantityIsRefusedAtConstruction() {
        assertThatThrownBy(() -> new CapacityCheck(client, 2, "lots"))
                .hasMessage("the per-pod memory request 'lots' is not a memory quantity such as 512Mi or 2Gi");
        assertThatThrownBy(() -> new CapacityCheck(client, 0, "1Gi")).hasMessageContaining("at least 1 replica");
    }
}
