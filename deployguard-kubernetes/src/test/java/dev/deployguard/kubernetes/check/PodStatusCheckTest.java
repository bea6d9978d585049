package dev.deployguard.kubernetes.check;

import static dev.deployguard.kubernetes.check.ClusterObjects.completed;
import static dev.deployguard.kubernetes.check.ClusterObjects.crashLooping;
import static dev.deployguard.kubernetes.check.ClusterObjects.evicted;
import static dev.deployguard.kubernetes.check.ClusterObjects.imagePullBackOff;
import static dev.deployguard.kubernetes.check.ClusterObjects.namespace;
import static dev.deployguard.kubernetes.check.ClusterObjects.pod;
import static dev.deployguard.kubernetes.check.ClusterObjects.running;
import static dev.deployguard.kubernetes.check.ClusterObjects.unschedulable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class PodStatusCheckTest {
    static final CheckContext CONTEXT = new CheckContext(null, "1.4.2", Duration.ofSeconds(30), Clock.systemUTC(),
            null);
    static final CheckContext ONE_SECOND = new CheckContext(null, "1.4.2", Duration.ofSeconds(1), Clock.systemUTC(),
            null);
    static final Map<String, String> APP = Map.of("app", "shop");
    KubernetesMockServer server;
    KubernetesClient client;

    void given(Pod... pods) {
        for (Pod p : pods) {
            client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
        }
    }

    CheckResult check() {
        return new PodStatusCheck(client, "shop", APP).run(CONTEXT);
    }

    @Test
    void runningAndSucceededPodsPass() {
        namespace(client, "shop");
        given(running(pod("shop", "shop-web-7d9c5b8f6-abcde", "node-a", "512Mi")),
                completed(pod("shop", "shop-migrate-x2x9q", "node-a", "128Mi")),
                crashLooping(pod("other", "other-web-1", "node-a", "128Mi")));

        CheckResult r = check();

        assertThat(r.name()).isEqualTo("cluster.pods");
        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("all 2 pod(s) in namespace shop with app=shop Running or Succeeded:"
                + " shop-migrate-x2x9q, shop-web-7d9c5b8f6-abcde");
    }

    @Test
    void unhealthyPodsFailWithWaitingReasonsAndSchedulerMessages() {
        namespace(client, "shop");
        given(running(pod("shop", "shop-web-1", "node-a", "512Mi")),
                crashLooping(pod("shop", "shop-web-2", "node-a", "512Mi")),
                unschedulable(pod("shop", "shop-web-3", null, "512Mi")),
                imagePullBackOff(pod("shop", "shop-web-4", "node-b", "512Mi")),
                evicted(pod("shop", "shop-web-5", "node-b", "512Mi")));

        CheckResult r = check();

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).isEqualTo("4 of 5 pod(s) in namespace shop with app=shop not Running or Succeeded: "
                + "shop-web-2 Running, container web waiting: CrashLoopBackOff (back-off 2m40s restarting failed"
                + " container=web pod=shop-web-2_shop), 6 restart(s); "
                + "shop-web-3 Pending, not scheduled: Unschedulable: 0/3 nodes are available: 1 node(s) had"
                + " untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory. preemption: 0/3"
                + " nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found"
                + " for incoming pod.; "
                + "shop-web-4 Pending, container web waiting: ImagePullBackOff (Back-off pulling image"
                + " \"127.0.0.1:5000/shop/app:1.4.1\"); "
                + "shop-web-5 Failed, Evicted: The node was low on resource: memory. Threshold quantity: 100Mi,"
                + " available: 91244Ki., container web terminated: OOMKilled (exit code 137)");
        assertThat(r.remedy()).contains("kubectl -n shop describe pod NAME");
        assertThat(r.data()).containsEntry("pods", 5).containsEntry("unhealthy", 4);
    }

    @Test
    void noPodsYetPasses() {
        namespace(client, "shop");

        CheckResult r = check();

        assertThat(r.status()).isEqualTo(CheckStatus.PASS);
        assertThat(r.evidence()).isEqualTo("no current pods in namespace shop with app=shop (nothing running yet)");
    }

    @Test
    void missingNamespaceFails() {
        CheckResult r = check();

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("namespace shop does not exist in the cluster at ");
        assertThat(r.remedy()).startsWith("Create it (kubectl create namespace shop)");
    }

    @Test
    void forbiddenPodListIsCannotTellNamingTheNamespacedPermission() {
        namespace(client, "shop");
        server.expect().get().withPath("/api/v1/namespaces/shop/pods?labelSelector=app%3Dshop")
                .andReturn(403, Unanswered.forbidden("list", "pods", "shop")).always();

        CheckResult r = check();

        assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
        assertThat(r.evidence()).contains(" refused to list pods in namespace shop (403 Forbidden): pods is"
                + " forbidden: User \"system:serviceaccount:deploy:deployguard\" cannot list resource \"pods\"");
        assertThat(r.remedy()).isEqualTo("Grant DeployGuard's credentials the RBAC permission verb 'list' on resource"
                + " 'pods' (a Role in namespace shop).");
    }

    @Test
    void withoutPermissionToGetNamespacesThePodsAreStillChecked() {
        given(crashLooping(pod("shop", "shop-web-2", "node-a", "512Mi")));
        server.expect().get().withPath("/api/v1/namespaces/shop")
                .andReturn(403, Unanswered.forbidden("get", "namespaces", null)).always();

        CheckResult r = check();

        assertThat(r.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(r.evidence()).startsWith("1 of 1 pod(s) in namespace shop with app=shop (namespace not verified:"
                + " no permission to get namespaces) not Running or Succeeded: shop-web-2 Running");
    }

    @Test
    void unreachableApiServerIsCannotTell() throws Exception {
        try (KubernetesClient unreachable = Unanswered.unreachable()) {
            CheckResult r = new PodStatusCheck(unreachable, "shop", APP).run(ONE_SECOND);

            assertThat(r.status()).isEqualTo(CheckStatus.ERROR);
            assertThat(r.evidence()).startsWith("cannot reach the Kubernetes API server at "
                    + unreachable.getConfiguration().getMasterUrl() + " to get namespaces: ");
        }
    }

    @Test
    void aSelectorIsRequired() {
        assertThatThrownBy(() -> new PodStatusCheck(client, "shop", Map.of()))
                .hasMessageContaining("needs a label selector");
    }
}
