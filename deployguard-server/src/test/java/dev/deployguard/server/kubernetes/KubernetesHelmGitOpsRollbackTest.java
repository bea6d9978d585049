package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Helm release app that a Flux HelmRelease owns, rolled back through a real control plane: refused while the
 * HelmRelease reconciles (policy refuse), suspended then rolled back with Helm (policy pause), left alone when
 * helm-controller already remediated.
 */
class KubernetesHelmGitOpsRollbackTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();

    private ControlPlane deployedTwiceUnderAHelmRelease(String gitops) throws Exception {
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir,
                "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), gitops);
        kube.deploy("v1");
        kube.deploy("v2");
        new FakeGitOpsController(cluster.client(), Clock.systemUTC()).helmRelease("shop", "web",
                new FakeGitOpsController.Target("shop", "web", "app"));
        return cp;
    }

    private GenericKubernetesResource helmRelease() {
        return cluster.client().genericKubernetesResources(FakeGitOpsController.HELM_RELEASES).inNamespace("shop")
                .withName("web").get();
    }

    @Test
    void aReconcilingHelmReleaseIsRefusedAndNoHelmRecordIsWritten() throws Exception {
        ControlPlane cp = deployedTwiceUnderAHelmRelease("");
        int revisions = cp.kubernetes().history("web").size();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "bob"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("app 'web' is owned by Flux HelmRelease shop/web, reconciled every 5m")
                .hasMessageContaining("flux suspend helmrelease web -n shop");
        assertThat(cp.kubernetes().history("web")).hasSize(revisions);
        assertThat(kube.kinds()).contains("rollback.failed").doesNotContain("rollback.started");
    }

    @Test
    void withPolicyPauseTheHelmReleaseIsSuspendedAndHelmRollsBack() throws Exception {
        ControlPlane cp = deployedTwiceUnderAHelmRelease("gitops: {autoSync: pause, fightWindow: 1s}");

        DeployResult r = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(r.message()).contains("Rollback to 1").contains("Flux HelmRelease shop/web stays suspended")
                .contains("flux resume helmrelease web -n shop");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(((Map<?, ?>) helmRelease().getAdditionalProperties().get("spec")).get("suspend")).isEqualTo(true);
        assertThat(kube.kinds()).containsSubsequence("gitops.paused", "rollback.started", "rollback.succeeded")
                .doesNotContain("gitops.fight");
        @SuppressWarnings("unchecked")
        Map<String, Object> owner = (Map<String, Object>) cp.kubernetes().status("web").get("gitops");
        assertThat(owner).containsEntry("kind", "HelmRelease").containsEntry("suspended", true)
                .containsKey("remediation");
    }

    @Test
    void aHelmReleaseThatAlreadyRemediatedIsLeftToIt() throws Exception {
        ControlPlane cp = deployedTwiceUnderAHelmRelease("");
        cluster.client().genericKubernetesResources(FakeGitOpsController.HELM_RELEASES).inNamespace("shop")
                .withName("web").edit(h -> {
                    h.getAdditionalProperties().put("status", Map.of("upgradeFailures", 1, "conditions",
                            List.of(Map.of("type", "Remediated", "status", "True", "message",
                                    "Helm rollback to previous release shop/web.v1 succeeded"))));
                    return h;
                });
        int revisions = cp.kubernetes().history("web").size();

        DeployResult r = cp.kubernetes().rollback("web", null, null, "bob");

        assertThat(r.message()).startsWith("Flux HelmRelease shop/web already remediated by itself (remediated"
                + " (Helm rollback to previous release shop/web.v1 succeeded)");
        assertThat(cp.kubernetes().history("web")).hasSize(revisions);
    }
}
