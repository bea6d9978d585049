package dev.deployguard.kubernetes.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseClientsTest {
    private static final String LEASE_PATH =
            "/apis/coordination.k8s.io/v1/namespaces/deployguard/leases/deployguard-control-plane";

    @TempDir
    Path home;

    @Test
    void withoutAnyKubernetesConfigurationTheServerRefusesToStartSayingWhatToDo() {
        assertThatThrownBy(() -> LeaseClients.open(null, "deployguard-control-plane", Map.of("KUBECONFIG",
                home.resolve("missing").toString()), home))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("--leader-elect needs a Kubernetes API server")
                .hasMessageContaining("KUBECONFIG=" + home.resolve("missing") + " is not a file")
                .hasMessageContaining(home.resolve(".kube/config").toString());
    }

    @Test
    void anAbsentLeaseIsFineTheFirstLeaderCreatesIt() throws InterruptedException {
        try (CrudApiServer api = new CrudApiServer()) {
            KubernetesClient client = api.newClient();
            // when the Lease does not exist yet, the check passes
            assertThatCode(() -> LeaseClients.check(client, "deployguard", "deployguard-control-plane"))
                    .doesNotThrowAnyException();
            // and it only read the Lease: creating it is the elector's job, once it leads
            assertThat(api.takeRequests()).containsExactly("GET " + LEASE_PATH);
            assertThat(client.resources(Lease.class).inNamespace("deployguard").withName("deployguard-control-plane")
                    .get()).isNull();
        }
    }

    @Test
    void aLeaseThisControlPlaneMayNotReadNamesTheRoleToGrant() {
        try (CrudApiServer api = new CrudApiServer()) {
            api.server().expect().get().withPath(LEASE_PATH).andReturn(403, new StatusBuilder().withCode(403)
                    .withReason("Forbidden").withMessage("leases is forbidden").build()).always();
            assertThatThrownBy(() -> LeaseClients.check(api.newClient(), "deployguard", "deployguard-control-plane"))
                    .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                            .isEqualTo(ExitCode.BAD_INPUT))
                    .hasMessageContaining("refuses to let this control plane read Lease "
                            + "deployguard/deployguard-control-plane (HTTP 403)")
                    .hasMessageContaining("Role deployguard-leader-election");
        }
    }

    @Test
    void anUnreachableApiServerIsNamedWithExitCodeFive() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + port).withRequestRetryBackoffLimit(0).build()).build()) {
            assertThatThrownBy(() -> LeaseClients.check(client, "deployguard", "deployguard-control-plane"))
                    .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                            .isEqualTo(ExitCode.UNREACHABLE))
                    .hasMessageContaining("cannot read Lease deployguard/deployguard-control-plane")
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }
}
