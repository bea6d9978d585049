package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Kubernetes app through the real CLI and a real control plane process: the weight reaches the
 * canary Ingress, the rollout survives a kill -9 of the control plane, {@code promote} rolls the new template out
 * in the stable Deployment, {@code abort} takes the weight away at once.
 */
class KubernetesCanaryIT {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesCliFixture kube = new KubernetesCliFixture();
    private final ClusterFixture cluster = kube.cluster();
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        h = kube.startCanary(dir, "[{setWeight: 20}, {pause: {}}]");
    }

    @Test
    void deployPromoteAndAbortThroughTheCli() throws Exception {
        assertThat(h.ok("deploy", "web", "--version", "v2", "--skip-checks").out()).contains("canary weight 20");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        JsonNode rollout = h.ok("status", "web", "-o", "json").json().path("rollout");
        assertThat(rollout.path("phase").asText()).isEqualTo("PAUSED");
        assertThat(rollout.path("weight").asInt()).isEqualTo(2000);

        h.killServer();
        h.startServer();
        h.ok("promote", "web");
        Harness.await(Duration.ofSeconds(30), () -> cluster.canaryIngress() == null);

        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("SUCCEEDED");

        h.ok("deploy", "web", "--version", "v3", "--skip-checks");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        h.ok("abort", "web");
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("ROLLED_BACK");
    }

    @Test
    void anAnalysisStepWithNoSourceExitsTwo() throws Exception {
        Files.writeString(h.spec, Files.readString(h.spec).replace("{pause: {}}", "{analysis: {}}"));
        Harness.Run r = h.cli("deploy", "web", "--version", "v2", "--skip-checks");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("analysis step", "strategy.canary.analysis.source");
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.deployment("web-canary")).isNull();
    }
}
