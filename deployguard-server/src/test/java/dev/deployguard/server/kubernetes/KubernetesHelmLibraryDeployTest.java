package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.kubernetes.testing.JobController;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy} of a Helm app whose chart needs the cluster (hooks, {@code lookup}, {@code crds/},
 * {@code .Release.IsUpgrade}/{@code .Revision}: deployguard-kubernetes' test chart {@code hooked}) goes through
 * Helm's own library: the CRD is installed, the second deploy renders as an upgrade of revision 2 and runs the
 * pre/post-upgrade hooks, which the record shows as helm records them.
 */
class KubernetesHelmLibraryDeployTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    @Test
    void aChartThatNeedsTheClusterIsUpgradedByHelmsOwnCode() throws Exception {
        Path chart = copy(Path.of("../deployguard-kubernetes/src/test/resources/charts/hooked"), dir.resolve("chart"));
        cluster.runController(20);
        try (JobController jobs = new JobController(cluster.client())) {
            kube.startControlPlane(dir, "helm: {chart: %s, release: hooked}\n".formatted(chart), "");

            kube.deploy("v1");
            kube.deploy("v2");

            assertThat(jobs.finished()).containsExactly("shop/hooked-migrate Complete", "shop/hooked-smoke Complete");
        }
        HelmRelease v2 = new HelmReleaseStorage(cluster.client(), "shop", Clock.systemUTC()).get("hooked", 2)
                .orElseThrow();
        List<String> phases = new ArrayList<>();
        for (JsonNode h : v2.json().path("hooks")) {
            phases.add(h.path("name").asText() + " " + h.path("last_run").path("phase").asText());
        }
        assertThat(phases).contains("hooked-migrate Succeeded", "hooked-upgrade-marker Succeeded",
                "hooked-smoke Succeeded");
        assertThat(cluster.client().configMaps().inNamespace("shop").withName("hooked-config").get().getData())
                .containsEntry("isUpgrade", "true").containsEntry("revision", "2");
        assertThat(cluster.client().genericKubernetesResources("apiextensions.k8s.io/v1", "CustomResourceDefinition")
                .withName("widgets.example.com").get()).isNotNull();
    }

    private static Path copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }
}
