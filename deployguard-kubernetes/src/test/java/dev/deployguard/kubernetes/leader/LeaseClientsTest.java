package dev.deployguard.kubernetes.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.traffic.CrudApiServer;
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
    void anAbsentLeaseIsFineTheFirstLeaderCreatesIt() {
        try (CrudApiServer api = new CrudApiServer()) {
            LeaseClients.check(api.newClient(), "deployguard", "deployguard-control-plane");
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
