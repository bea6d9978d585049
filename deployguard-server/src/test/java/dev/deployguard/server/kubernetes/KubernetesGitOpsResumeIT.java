package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gitops resume} after a rollback through Argo CD (auto-sync paused, restore commit pushed to a branch for
 * review), by a real control plane on the mock API server with {@link FakeGitOpsController} and a bare git repository:
 * refused while git's main still has apps/web at the bad commit — although Argo CD already tracks another revision —
 * then resumed once the restore branch is merged; {@code --force} resumes anyway and records it. A Flux HelmRelease
 * whose GitRepository has fetched nothing is refused, and resumed with {@code --force}.
 */
class KubernetesGitOpsResumeIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    /** Registered first, so its repository outlives the control plane (extensions close in reverse order). */
    @RegisterExtension
    @Order(1)
    final WebGitHistory git = new WebGitHistory("deployment.yaml");
    private FakeGitOpsController argo;
    private AutoCloseable running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    /** web on v2 under Argo CD (auto-sync, self-heal), rolled back by DeployGuard to v1; main still at the bad commit. */
    private ControlPlane rolledBackUnderArgo() throws Exception {
        cluster.app().deployment();
        cluster.simulator().settle(10);
        argo = new FakeGitOpsController(cluster.client(), Clock.systemUTC());
        argo.commit(git.good(), new FakeGitOpsController.Manifest("shop/web:v1", 3));
        argo.argoApplication("argocd", "shop", new FakeGitOpsController.Target("shop", "web", "app"), true, true);
        argo.step();
        argo.commit(git.bad(), new FakeGitOpsController.Manifest("shop/web:v2", 3));
        argo.step();
        cluster.runController(20);
        running = argo.runInBackground(20);
        ControlPlane cp = kube.startControlPlane(dir, "container: app\nrolloutTimeout: 20s\n", """
                gitops:
                  autoSync: pause
                  fightWindow: 0s
                  git: {url: '%s', branch: main, path: apps/web, push: branch}
                """.formatted(git.url()));
        cp.kubernetes().rollback("web", null, "5xx after v2", "carol");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(git.head()).isEqualTo(git.bad());
        return cp;
    }

    private Object automatedEnabled() {
        GenericKubernetesResource app = cluster.client().genericKubernetesResources(FakeGitOpsController.APPLICATIONS)
                .inNamespace("argocd").withName("shop").get();
        Map<?, ?> spec = (Map<?, ?>) app.getAdditionalProperties().get("spec");
        Map<?, ?> automated = (Map<?, ?>) ((Map<?, ?>) spec.get("syncPolicy")).get("automated");
        return automated == null ? "removed" : automated.get("enabled");
    }

    private Event resumed(ControlPlane cp) {
        return cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.GITOPS_RESUMED)).findFirst().orElseThrow();
    }

    @Test
    void refusedWhileMainStillDeploysTheBadCommitThenResumedOnceTheRestoreIsMerged() throws Exception {
        ControlPlane cp = rolledBackUnderArgo();

        assertThatThrownBy(() -> cp.kubernetes().resumeGitOps("web", false, "dave"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("not resumed: Argo CD Application argocd/shop: apps/web on main still has its"
                        + " tree at " + git.bad())
                .hasMessageContaining("waits on refs/heads/deployguard/rollback-web-" + git.bad().substring(0, 7))
                .hasMessageContaining("Nothing was changed")
                .hasMessageContaining("deployguard gitops resume web --force");
        assertThat(automatedEnabled()).isEqualTo(false);
        assertThat(kube.kinds()).doesNotContain(EventKinds.GITOPS_RESUMED);

        // A reviewer merges the restore branch; Argo CD's repository now has that commit at its head.
        git.git("update-ref", "refs/heads/main", "refs/heads/deployguard/rollback-web-" + git.bad().substring(0, 7));
        String restore = git.head();
        argo.commit(restore, new FakeGitOpsController.Manifest("shop/web:v1", 3));

        Map<String, Object> answer = cp.kubernetes().resumeGitOps("web", false, "dave");

        assertThat(answer).containsEntry("resumed", true).containsEntry("forced", false);
        assertThat((String) answer.get("message")).startsWith("resumed Argo CD Application argocd/shop: auto-sync is"
                + " on again");
        assertThat(automatedEnabled()).isNotEqualTo(false).isNotEqualTo("removed");
        argo.step();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(resumed(cp).data()).containsEntry("forced", false)
                .containsEntry("owner", "Argo CD Application argocd/shop");
        assertThat(resumed(cp).actor()).isEqualTo("dave");
    }

    @Test
    void forceResumesAnywayAndRecordsWhyItWouldHaveRefused() throws Exception {
        ControlPlane cp = rolledBackUnderArgo();

        Map<String, Object> answer = cp.kubernetes().resumeGitOps("web", true, "dave");

        assertThat(answer).containsEntry("forced", true);
        assertThat((String) answer.get("message")).contains("anyway (--force by dave)")
                .contains("still has its tree at " + git.bad());
        assertThat(resumed(cp).data()).containsEntry("forced", true);
        assertThat((String) resumed(cp).data().get("check")).contains(git.bad());
        // Auto-sync really is on: Argo CD syncs git's head, the bad revision, again (what the refusal prevents).
        argo.step();
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
    }

    @Test
    void aSuspendedHelmReleaseWithoutAFetchedRevisionIsRefusedAndForceResumesIt() throws Exception {
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "helm: {chart: %s}\n"
                .formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), "gitops: {autoSync: pause, fightWindow: 0s}");
        kube.deploy("v1");
        kube.deploy("v2");
        new FakeGitOpsController(cluster.client(), Clock.systemUTC()).helmRelease("shop", "web",
                new FakeGitOpsController.Target("shop", "web", "app"));
        // What helm-controller records of the upgrade it attempted last (read when DeployGuard suspends it).
        cluster.client().genericKubernetesResources(FakeGitOpsController.HELM_RELEASES).inNamespace("shop")
                .withName("web").edit(h -> {
                    h.getAdditionalProperties().put("status", Map.of("lastAttemptedRevision", "0.1.0"));
                    return h;
                });
        cp.kubernetes().rollback("web", null, null, "bob");

        assertThatThrownBy(() -> cp.kubernetes().resumeGitOps("web", false, "dave"))
                .hasMessageContaining("not resumed: Flux HelmRelease shop/web: GitRepository deploy has no fetched"
                        + " revision yet");
        assertThat(suspended()).isEqualTo(true);

        Map<String, Object> answer = cp.kubernetes().resumeGitOps("web", true, "dave");

        assertThat((String) answer.get("message")).startsWith("resumed Flux HelmRelease shop/web anyway (--force by"
                + " dave): spec.suspend is false");
        assertThat(suspended()).isEqualTo(false);
        assertThatThrownBy(() -> cp.kubernetes().resumeGitOps("web", true, "dave"))
                .hasMessageContaining("was not suspended by DeployGuard");
    }

    private Object suspended() {
        return ((Map<?, ?>) cluster.client().genericKubernetesResources(FakeGitOpsController.HELM_RELEASES)
                .inNamespace("shop").withName("web").get().getAdditionalProperties().get("spec")).get("suspend");
    }
}
