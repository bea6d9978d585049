package dev.deployguard.kubernetes.leader;

import static dev.deployguard.kubernetes.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.leader.PodRoleLabel.PodRef;
import dev.deployguard.kubernetes.testing.ApiCall;
import dev.deployguard.kubernetes.testing.MockCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each replica labels its own Pod with its role, so the Service {@code deployguard-leader} follows the Lease: two
 * {@link ControlPlaneLeadership} replicas against {@link MockCluster} (real merge-patch semantics).
 */
class PodRoleLabelTest {
    private static final ControlPlaneLeadership.Timing FAST = new ControlPlaneLeadership.Timing(
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(250));
    private static final String NS = "deployguard";
    private static final String LEASE = "deployguard-control-plane";

    private MockCluster cluster;
    private final List<ControlPlaneLeadership> replicas = new ArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();

    @BeforeEach
    void startCluster() {
        cluster = MockCluster.start();
    }

    @AfterEach
    void stopAll() {
        replicas.forEach(ControlPlaneLeadership::close);
        clients.forEach(KubernetesClient::close);
        cluster.close();
    }

    private final class Replica {
        final KubernetesClient client = newClient();
        final ControlPlaneLeadership leadership;
        final String pod;

        Replica(String pod) {
            this.pod = pod;
            leadership = new ControlPlaneLeadership(client, NS, LEASE, pod + "_1", FAST, new PodRef(NS, pod));
            replicas.add(leadership);
            leadership.start(() -> { }, () -> { });
        }
    }

    @Test
    void theLeadersPodIsLabelledLeaderTheFollowersFollowerAndTheLabelsMoveWithTheLease() {
        pod("dg-a", null);
        pod("dg-b", null);
        Replica a = new Replica("dg-a");
        Replica b = new Replica("dg-b");
        await(Duration.ofSeconds(10), () -> a.leadership.isLeader() || b.leadership.isLeader());
        Replica leader = a.leadership.isLeader() ? a : b;
        Replica follower = leader == a ? b : a;

        await(Duration.ofSeconds(5), () -> "leader".equals(role(leader.pod)));
        assertThat(role(follower.pod)).isEqualTo("follower");
        assertThat(leaderServiceSelects()).containsExactly(leader.pod);

        leader.leadership.close();

        // Closing waits for its own label: the leader Service stops sending changes there at once.
        assertThat(role(leader.pod)).isEqualTo("follower");
        await(Duration.ofSeconds(10), follower.leadership::isLeader);
        await(Duration.ofSeconds(5), () -> "leader".equals(role(follower.pod)));
        assertThat(role(leader.pod)).isEqualTo("follower");
        assertThat(leaderServiceSelects()).containsExactly(follower.pod);
        // Labels are JSON merge patches of metadata.labels: the other labels stay.
        assertThat(cluster.client().pods().inNamespace(NS).withName(follower.pod).get().getMetadata().getLabels())
                .containsEntry(PodRoleLabel.APP_LABEL, PodRoleLabel.APP);
        assertThat(cluster.calls()).filteredOn(c -> c.method().equals("PATCH") && c.path().contains("/pods/"))
                .isNotEmpty().allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
    }

    @Test
    void aLeaderCutOffFromTheApiServerIsRelabelledFollowerByTheNewLeader() {
        pod("dg-a", null);
        pod("dg-b", null);
        Replica a = new Replica("dg-a");
        await(Duration.ofSeconds(10), () -> a.leadership.isLeader() && "leader".equals(role("dg-a")));
        Replica b = new Replica("dg-b");
        assertThat(role("dg-b")).isEqualTo("follower");

        // a can no longer write anything, its own label included.
        a.client.close();

        await(Duration.ofSeconds(15), () -> b.leadership.isLeader() && "leader".equals(role("dg-b")));
        await(Duration.ofSeconds(5), () -> "follower".equals(role("dg-a")));
        assertThat(a.leadership.isLeader()).isFalse();
        assertThat(leaderServiceSelects()).containsExactly("dg-b");
    }

    @Test
    void aRestartedReplicaClearsAStaleLeaderLabelBeforeStanding() {
        pod("dg-a", "leader");
        // Another replica holds the lease for an hour: this one only follows.
        cluster.client().resource(new LeaseBuilder().withNewMetadata().withName(LEASE).withNamespace(NS)
                .endMetadata().withNewSpec().withHolderIdentity("dg-b_1").withLeaseDurationSeconds(3600)
                .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).withLeaseTransitions(0)
                .endSpec().build()).create();

        Replica a = new Replica("dg-a");

        // start() returned after the write, before the first election round.
        assertThat(role("dg-a")).isEqualTo("follower");
        await(Duration.ofSeconds(5), () -> "dg-b_1".equals(a.leadership.currentLeader()));
        assertThat(a.leadership.isLeader()).isFalse();
        assertThat(role("dg-a")).isEqualTo("follower");
    }

    @Test
    void aLabelThatCannotBeWrittenDoesNotStopLeadershipAndIsRetried() {
        // The Pod is missing at first (e.g. POD_NAME wrong) and then writes fail with 500s: the replica leads anyway.
        Replica a = new Replica("dg-a");
        await(Duration.ofSeconds(10), a.leadership::isLeader);
        // fabric8 reads the Pod before it sends the merge patch: the 404 is that read's.
        await(Duration.ofSeconds(5), () -> cluster.calls().stream().filter(c -> c.status() == 404
                && c.path().startsWith("/api/v1/namespaces/deployguard/pods/dg-a")).count() >= 3);
        assertThat(a.leadership.isLeader()).isTrue();

        cluster.fail("PATCH", "/api/v1/namespaces/deployguard/pods/dg-a", 500, "InternalError", 2);
        pod("dg-a", null);

        await(Duration.ofSeconds(10), () -> "leader".equals(role("dg-a")));
        assertThat(a.leadership.isLeader()).isTrue();
        List<ApiCall> patches = cluster.calls().stream().filter(c -> c.method().equals("PATCH")
                && c.path().startsWith("/api/v1/namespaces/deployguard/pods/dg-a")).toList();
        assertThat(patches).extracting(ApiCall::status).containsExactly(500, 500, 200);
    }

    @Test
    void thePodComesFromTheDownwardApiOrInAClusterFromTheHostName() {
        assertThat(PodRef.fromEnvironment(Map.of("POD_NAME", "dg-7f9c-x2", "HOSTNAME", "other"), false, "ns"))
                .isEqualTo(new PodRef("ns", "dg-7f9c-x2"));
        assertThat(PodRef.fromEnvironment(Map.of("POD_NAME", "p", "POD_NAMESPACE", "own"), true, "ns"))
                .isEqualTo(new PodRef("own", "p"));
        assertThat(PodRef.fromEnvironment(Map.of("HOSTNAME", "dg-7f9c-x2"), true, "ns"))
                .isEqualTo(new PodRef("ns", "dg-7f9c-x2"));
        // Outside a cluster the host name is a machine's, not a Pod's.
        assertThat(PodRef.fromEnvironment(Map.of("HOSTNAME", "laptop"), false, "ns")).isNull();
    }

    private KubernetesClient newClient() {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl(cluster.url()).withNamespace("default").withOauthToken("mock-token")
                .withRequestRetryBackoffLimit(0).build()).build();
        clients.add(c);
        return c;
    }

    private void pod(String name, String role) {
        PodBuilder p = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels(PodRoleLabel.APP_LABEL, PodRoleLabel.APP).addToLabels("pod-template-hash", "7f9c")
                .endMetadata().withNewSpec().addNewContainer().withName("deployguard").withImage("dg").endContainer()
                .endSpec();
        if (role != null) {
            p.editMetadata().addToLabels(PodRoleLabel.LABEL, role).endMetadata();
        }
        cluster.client().resource(p.build()).create();
    }

    private String role(String pod) {
        Pod p = cluster.client().pods().inNamespace(NS).withName(pod).get();
        return p == null ? null : p.getMetadata().getLabels().get(PodRoleLabel.LABEL);
    }

    /** The Pods the Service deployguard-leader selects (its selector, as in 40-service.yaml). */
    private List<String> leaderServiceSelects() {
        return cluster.client().pods().inNamespace(NS).withLabel(PodRoleLabel.APP_LABEL, PodRoleLabel.APP)
                .withLabel(PodRoleLabel.LABEL, "leader").list().getItems().stream()
                .map(p -> p.getMetadata().getName()).toList();
    }
}
