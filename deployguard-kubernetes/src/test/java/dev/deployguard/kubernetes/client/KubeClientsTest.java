package dev.deployguard.kubernetes.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeClientsTest {
    @TempDir
    Path dir;

    private static KubernetesSpec spec(Path kubeconfig, String context) {
        return new KubernetesSpec("shop", context, kubeconfig, null, null, null, null, null, Duration.ofMinutes(1));
    }

    @Test
    void opensTheSpecsKubeconfigAndContextBoundToTheNamespace() {
        try (MockCluster cluster = MockCluster.start();
             KubernetesClient client = KubeClients.open(spec(cluster.kubeconfig(), "mock"))) {
            assertThat(client.getNamespace()).isEqualTo("shop");
            assertThat(client.getMasterUrl().toString()).startsWith(cluster.url());
            assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v1.32.3");
        }
    }

    @Test
    void kubeconfigComesFromKubeconfigVariableWhenTheSpecHasNone() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, MockCluster.kubeconfigText("http://127.0.0.1:1", "default"));
        assertThat(KubeClients.kubeconfigFile(spec(null, null), Map.of("KUBECONFIG", file + ":/other")))
                .isEqualTo(file);
    }

    @Test
    void missingFileAndUnknownContextAreBadInput() throws Exception {
        assertThatThrownBy(() -> KubeClients.open(spec(dir.resolve("nope"), null)))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("no kubeconfig at " + dir.resolve("nope"));
        Path file = dir.resolve("config");
        Files.writeString(file, MockCluster.kubeconfigText("http://127.0.0.1:1", "default"));
        assertThatThrownBy(() -> KubeClients.open(spec(file, "kind-prod")))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("has no context 'kind-prod'; contexts there: mock");
    }
}
