package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy, history, rollback and status on an app whose spec says {@code platform.kubernetes.helm}: a real control
 * plane process writes the release in Helm's storage on the mock API server, the simulated Deployment controller
 * plays the cluster, and real helm reads the same revisions.
 */
class HelmDeployIT {
    private static final Path CHART = Path.of("src/test/resources/charts/shop").toAbsolutePath();

    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesCliFixture kube = new KubernetesCliFixture();
    private final ClusterFixture cluster = kube.cluster();
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        cluster.readyNode();
        cluster.runController(50);
        h = kube.startControlPlane(dir, """
                rolloutTimeout: 4s
                helm:
                  chart: %s
                  values: [%s]
                """.formatted(CHART, CHART.resolve("values-prod.yaml")), """
                checks: {timeout: 30s}   # the pre-deployment checklist, on a loaded test machine
                """);
    }

    @Test
    void deployHistoryRollbackAndStatusWorkOnAHelmRelease() throws Exception {
        h.ok("deploy", "web", "--version", "1.1", "--change-cause", "first release");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.1");
        assertThat(cluster.replicas("web")).as("the spec's values file is applied").isEqualTo(3);
        h.ok("deploy", "web", "--version", "1.2", "--change-cause", "faster checkout");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.2");
        assertThat(rows()).containsExactly("1 1.1 SUPERSEDED first release shop-0.3.0",
                "2 1.2 DEPLOYED faster checkout shop-0.3.0");

        h.ok("rollback", "web", "--change-cause", "checkout errors");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.1");
        assertThat(rows()).containsExactly("1 1.1 SUPERSEDED first release shop-0.3.0",
                "2 1.2 SUPERSEDED faster checkout shop-0.3.0", "3 1.1 DEPLOYED Rollback to 1 shop-0.3.0");
        assertThat(h.ok("history", "web").out()).contains("Rollback to 1").contains("faster checkout");

        if (Tools.check("real helm reads the history and values DeployGuard wrote")) {
            JsonNode helm = Json.mapper().readTree(Tools.helm(cluster.mock(), "history", "web", "-n", "shop", "-o",
                    "json").orFail().stdout());
            List<String> helmRows = new ArrayList<>();
            helm.forEach(e -> helmRows.add(e.path("revision").asInt() + " " + e.path("status").asText() + " "
                    + e.path("chart").asText() + " " + e.path("description").asText()));
            assertThat(helmRows).containsExactly("1 superseded shop-0.3.0 first release",
                    "2 superseded shop-0.3.0 faster checkout", "3 deployed shop-0.3.0 Rollback to 1");
            JsonNode values = Json.mapper().readTree(Tools.helm(cluster.mock(), "get", "values", "web", "-n", "shop",
                    "-o", "json").orFail().stdout());
            assertThat(values.path("image").path("tag").asText()).isEqualTo("1.1");
            assertThat(values.path("replicaCount").asInt()).isEqualTo(3);
        }

        JsonNode status = h.ok("status", "web", "-o", "json").json();
        assertThat(status.path("serving").path("revision").asInt()).isEqualTo(3);
        assertThat(status.path("serving").path("version").asText()).isEqualTo("1.1");
        assertThat(status.path("kubernetes").path("helm").path("status").asText()).isEqualTo("deployed");
        assertThat(status.path("kubernetes").path("rollout").asText()).isEqualTo("COMPLETE");
        assertThat(h.ok("status", "web").out()).contains("revision 3 (1.1) DEPLOYED")
                .contains("kubernetes: deployment shop/web, 3/3 available");

        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "deploy.succeeded", "deploy.started",
                "deploy.succeeded", "rollback.started", "rollback.succeeded");
    }

    @Test
    void aFailedAtomicUpgradeLeavesThePreviousRevisionServing() {
        h.ok("deploy", "web", "--version", "1.1");
        cluster.simulator().failImage("registry.example/shop/web:2.0-broken");

        Harness.Run r = h.cliProcess("deploy", "web", "--version", "2.0-broken", "--atomic");

        assertThat(r.exit()).as(r.err() + r.out()).isEqualTo(3);
        assertThat(r.err() + r.out()).contains("has been rolled back due to atomic being set")
                .contains("revision 3 (Rollback to 1) is serving");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.1");
        assertThat(rows()).containsExactly("1 1.1 SUPERSEDED deploy 1.1 by " + Harness.actor()
                        + " shop-0.3.0",
                "2 2.0-broken FAILED Upgrade \"web\" failed: timed out after 4000 ms waiting for Deployment shop/web"
                        + " (3 of 3 replicas updated, 0 available) shop-0.3.0",
                "3 1.1 DEPLOYED Rollback to 1 shop-0.3.0");
        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "deploy.failed", "deploy.atomic-rollback");
    }

    @Test
    void missingReleaseUnknownRevisionAndMissingChartAreNamed() throws Exception {
        Harness.Run none = h.cli("history", "web");
        assertThat(none.exit()).isEqualTo(6);
        assertThat(none.err()).contains("Helm release 'web' not found in namespace shop");
        assertThat(h.cli("rollback", "web").exit()).isEqualTo(6);

        h.ok("deploy", "web", "--version", "1.1");
        Harness.Run unknown = h.cli("rollback", "web", "--to-revision", "7");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.err()).contains("Helm release 'web' has no revision 7 to roll back to; its revisions are 1");

        Files.writeString(h.spec, Files.readString(h.spec).replace(CHART.toString(), dir.resolve("nope").toString()));
        Harness.Run noChart = h.cli("deploy", "web", "--version", "1.2");
        assertThat(noChart.exit()).isEqualTo(2);
        assertThat(noChart.err()).contains("helm.chart: " + dir.resolve("nope") + " does not exist");
        assertThat(rows()).containsExactly("1 1.1 DEPLOYED deploy 1.1 by " + Harness.actor()
                + " shop-0.3.0");
    }

    /** {@code deployguard history web -o json}: revision, version, status, description, chart. */
    private List<String> rows() {
        List<String> out = new ArrayList<>();
        for (JsonNode rel : h.ok("history", "web", "-o", "json").json().path("releases")) {
            out.add(rel.path("revision").asInt() + " " + rel.path("version").asText() + " "
                    + rel.path("status").asText() + " " + rel.path("changeCause").asText() + " "
                    + rel.path("configHash").asText());
        }
        return out;
    }
}
