package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The same CLI commands on an app whose spec says {@code platform.kubernetes}: a real control plane process talks to
 * the mock API server (its kubeconfig), the simulated Deployment controller plays the cluster, and kubectl agrees
 * with what {@code deployguard history} shows.
 */
class KubernetesDeployIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesCliFixture kube = new KubernetesCliFixture();
    private final ClusterFixture cluster = kube.cluster();
    private Harness h;

    @BeforeEach
    void start() throws Exception {
        cluster.readyNode();
        cluster.app().registryDeployment();
        cluster.runController(50);
        h = kube.startControlPlane(dir, """
                rolloutTimeout: 20s
                """, """
                checks: {timeout: 30s}   # the pre-deployment checklist, on a loaded test machine
                """);
    }

    @Test
    void deployHistoryRollbackAndStatusWorkOnADeployment() {
        h.ok("deploy", "web", "--version", "1.1", "--change-cause", "faster checkout");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.1");

        h.ok("rollback", "web", "--change-cause", "checkout errors");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        assertThat(rows()).containsExactly("2 1.1 SUPERSEDED faster checkout",
                "3 1.0 DEPLOYED rollback to revision 1 (initial): checkout errors");

        h.ok("rollback", "web", "--to-revision", "2");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.1");
        assertThat(rows()).containsExactly("3 1.0 SUPERSEDED rollback to revision 1 (initial): checkout errors",
                "4 1.1 DEPLOYED rollback to revision 2 (faster checkout)");
        if (Tools.check("kubectl rollout history reads DeployGuard's rollbacks")) {
            String kubectl = Tools.kubectl(cluster.mock(), "-n", "shop", "rollout", "history", "deployment/web")
                    .orFail().stdout();
            assertThat(kubectl).containsPattern("3\\s+rollback to revision 1 \\(initial\\): checkout errors")
                    .containsPattern("4\\s+rollback to revision 2 \\(faster checkout\\)");
        }

        JsonNode status = h.ok("status", "web", "-o", "json").json();
        assertThat(status.path("serving").path("revision").asInt()).isEqualTo(4);
        assertThat(status.path("kubernetes").path("rollout").asText()).isEqualTo("COMPLETE");
        assertThat(status.path("kubernetes").path("message").asText())
                .isEqualTo("deployment \"web\" successfully rolled out");

        assertThat(h.ok("status", "-o", "json").json().path("apps").get(0).path("kubernetes").path("deployment")
                .asText()).isEqualTo("web");
        assertThat(h.ok("status", "web").out()).contains("revision 4 (1.1) DEPLOYED")
                .contains("kubernetes: deployment shop/web, 2/2 available: deployment \"web\" successfully rolled out");

        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "kubernetes.rollout-status", "deploy.succeeded",
                "rollback.started", "rollback.succeeded", "rollback.started", "rollback.succeeded");
    }

    @Test
    void aFailedAtomicDeployPutsThePreviousRevisionBack() {
        cluster.simulator().failImage("registry.example/shop/web:2.0-broken");

        Harness.Run r = h.cli("deploy", "web", "--version", "2.0-broken", "--atomic");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err() + r.out()).contains("exceeded its progress deadline")
                .contains("--atomic rolled deployment shop/web back to revision 1, which is serving again");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        List<String> kinds = new ArrayList<>();
        h.ok("events", "web", "-o", "json").json().path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds).containsSubsequence("deploy.started", "deploy.failed", "deploy.atomic-rollback");
    }

    @Test
    void aMissingDeploymentIsNamedAndChangesNothing() throws Exception {
        Files.writeString(h.spec, Files.readString(h.spec).replace("rolloutTimeout: 20s",
                "rolloutTimeout: 20s\n        deployment: api"));
        Harness.Run r = h.cli("rollback", "web");
        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).contains("deployment \"api\" not found in namespace \"shop\"");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
    }

    /** The last rows of {@code deployguard history web}: revision, version, status, change-cause. */
    private List<String> rows() {
        List<String> out = new ArrayList<>();
        for (JsonNode rel : h.ok("history", "web", "-o", "json").json().path("releases")) {
            out.add(rel.path("revision").asInt() + " " + rel.path("version").asText() + " "
                    + rel.path("status").asText() + " " + rel.path("changeCause").asText());
        }
        return out.subList(Math.max(0, out.size() - 2), out.size());
    }
}
