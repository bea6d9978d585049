package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary of a Helm release through the real CLI and a real control plane process, on the mock API server with
 * the simulated Deployment controller: the first deploy installs the release, the second runs the chart's new
 * rendering as a canary (surviving a kill -9 of the control plane), {@code promote} is a Helm upgrade that
 * {@code deployguard history} and real {@code helm history} both show, and {@code abort} writes no revision.
 */
class HelmCanaryIT {
    private static final String WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
    private static final Path CHART = Path.of("src/test/resources/charts/shop-canary").toAbsolutePath();

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesCliFixture kube = new KubernetesCliFixture();
    private final ClusterFixture cluster = kube.cluster();
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        cluster.app().ingress();
        cluster.runController(20);
        h = kube.startControlPlane(dir, """
                helm:
                  chart: %s
                service: web
                traffic: {ingressNginx: {ingress: web}}
                rolloutTimeout: 30s
                """.formatted(CHART), ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
    }

    @Test
    void installCanaryPromoteAndAbortAHelmReleaseThroughTheCli() throws Exception {
        assertThat(h.ok("deploy", "web", "--version", "1.1", "--skip-checks").out()).contains("revision 1 (1.1)");

        assertThat(h.ok("deploy", "web", "--version", "1.2", "--skip-checks").out())
                .contains("canary rollout of 1.2", "canary weight 20");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:1.2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:1.1");
        JsonNode status = h.ok("status", "web", "-o", "json").json();
        assertThat(status.path("rollout").path("phase").asText()).isEqualTo("PAUSED");
        assertThat(status.path("kubernetes").path("helm").path("revision").asInt()).isEqualTo(1);

        h.killServer();
        restart();
        h.ok("promote", "web");
        Harness.await(Duration.ofSeconds(60), () -> cluster.canaryIngress() == null);

        assertThat(cluster.image("web")).isEqualTo("shop/web:1.2");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("SUCCEEDED");
        assertThat(history()).containsExactly("1 1.1 SUPERSEDED", "2 1.2 DEPLOYED");
        if (Tools.check("real helm reads the promoted revision")) {
            JsonNode helm = Json.mapper().readTree(Tools.helm(cluster.mock(), "history", "web", "-n", "shop", "-o",
                    "json").orFail().stdout());
            assertThat(helm).hasSize(2);
            assertThat(helm.get(1).path("status").asText()).isEqualTo("deployed");
            assertThat(helm.get(1).path("description").asText()).contains("promoted revision 2 of web");
        }

        h.ok("deploy", "web", "--version", "1.3", "--skip-checks");
        assertThat(cluster.canaryIngress().getMetadata().getAnnotations()).containsEntry(WEIGHT, "2000");
        h.ok("abort", "web");
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(cluster.image("web")).isEqualTo("shop/web:1.2");
        assertThat(history()).as("abort writes no Helm revision").containsExactly("1 1.1 SUPERSEDED",
                "2 1.2 DEPLOYED");
        assertThat(h.ok("status", "web", "-o", "json").json().path("rollout").path("phase").asText())
                .isEqualTo("ROLLED_BACK");
    }

    /** A new control plane on the same state; its log is shown when it does not come up. */
    private void restart() throws Exception {
        try {
            h.startServer();
        } catch (AssertionError e) {
            Path log = dir.resolve("server-1.log");
            throw new AssertionError(e.getMessage() + "; its log:\n" + (Files.exists(log) ? Files.readString(log)
                    : "(none)"), e);
        }
    }

    private List<String> history() throws Exception {
        List<String> rows = new ArrayList<>();
        for (JsonNode r : h.ok("history", "web", "-o", "json").json().path("releases")) {
            rows.add(r.path("revision").asInt() + " " + r.path("version").asText() + " " + r.path("status").asText());
        }
        return rows;
    }
}
