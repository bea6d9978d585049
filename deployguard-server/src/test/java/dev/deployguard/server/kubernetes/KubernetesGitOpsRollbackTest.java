package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.kubernetes.deployment.DeploymentUpdate;
import dev.deployguard.kubernetes.gitops.ArgoApplication;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard rollback web} of a Deployment that Argo CD or Flux owns, through a real control plane, with the
 * fake GitOps controller and the simulated Deployment controller running beside it as the real ones would.
 */
class KubernetesGitOpsRollbackTest {
    private static final String V1 = "a".repeat(40);
    private static final String V2 = "b".repeat(40);
    private static final FakeGitOpsController.Target TARGET = new FakeGitOpsController.Target("shop", "web", "app");
    private static final String K8S = """
            container: app
            rolloutTimeout: 20s
            """;

    @RegisterExtension
    final KubernetesControlPlaneFixture fixture = new KubernetesControlPlaneFixture();
    @TempDir
    Path dir;

    private FakeGitOpsController gitops;
    private AutoCloseable running;

    @AfterEach
    void stopController() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    /** Deployment web at v1 (revision 1) then v2 (revision 2), as the owner deployed them from git. */
    private void deployedTwice(Runnable owner) {
        var cluster = fixture.cluster();
        cluster.app().deployment();
        cluster.simulator().settle(10);
        gitops = new FakeGitOpsController(cluster.client(), Clock.systemUTC());
        gitops.commit(V1, new FakeGitOpsController.Manifest("shop/web:v1", 3));
        owner.run();
        gitops.step();
        gitops.commit(V2, new FakeGitOpsController.Manifest("shop/web:v2", 3));
        gitops.step();
        if (!"shop/web:v2".equals(cluster.image("web"))) {
            // a manual-sync owner: the team synced v2 by hand (as CI would through the Deployment)
            new DeploymentUpdate(cluster.client()).setImage("shop", "web", "app", "shop/web:v2", "deploy v2", "ci");
        }
        cluster.runController(20);
        running = gitops.runInBackground(20);
    }

    private ControlPlane start(String gitopsKeys) throws Exception {
        return fixture.startControlPlane(dir, K8S, gitopsKeys);
    }

    private GenericKubernetesResource application() {
        return fixture.cluster().client().genericKubernetesResources(FakeGitOpsController.APPLICATIONS)
                .inNamespace("argocd").withName("shop").get();
    }

    @Test
    void argoAutoSyncWithPolicyRefuseIsRefusedAndNothingChanges() throws Exception {
        deployedTwice(() -> gitops.argoApplication("argocd", "shop", TARGET, true, true));
        ControlPlane cp = start("");
        String version = application().getMetadata().getResourceVersion();

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, "5xx", "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("app 'web' is owned by Argo CD Application argocd/shop, auto-sync with"
                        + " self-heal on")
                .hasMessageContaining("Nothing was changed")
                .hasMessageContaining("gitops.autoSync: pause");
        assertThat(application().getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(fixture.cluster().image("web")).isEqualTo("shop/web:v2");
        assertThat(fixture.kinds()).contains("rollback.failed").doesNotContain("rollback.started");
    }

    @Test
    void argoAutoSyncWithPolicyPauseIsPausedRecordedAndArgoSyncsTheEarlierRevision() throws Exception {
        deployedTwice(() -> gitops.argoApplication("argocd", "shop", TARGET, true, true));
        ControlPlane cp = start("gitops: {autoSync: pause, fightWindow: 1s}");

        DeployResult r = cp.kubernetes().rollback("web", null, "5xx after v2", "alice");

        assertThat(r.message()).contains("Argo CD Application argocd/shop synced history entry 0 (aaaaaaa) again");
        assertThat(fixture.cluster().image("web")).isEqualTo("shop/web:v1");
        assertThat(ArgoApplication.automation(application()).automated()).isFalse();
        assertThat(fixture.kinds()).containsSubsequence("gitops.paused", "rollback.started", "rollback.succeeded")
                .doesNotContain("gitops.fight");
        Event paused = cp.store().events("web", 0, null, 100).stream()
                .filter(e -> e.kind().equals("gitops.paused")).findFirst().orElseThrow();
        assertThat(paused.message()).contains("spec.syncPolicy.automated.enabled set to false");
        @SuppressWarnings("unchecked")
        Map<String, Object> owner = (Map<String, Object>) cp.kubernetes().status("web").get("gitops");
        assertThat(owner).containsEntry("summary", "owned by Argo CD Application argocd/shop, auto-sync off"
                + " (automated.enabled: false)");
    }

    @Test
    void fluxKustomizationIsSuspendedThenTheDeploymentRolledBackAndItStaysSuspended() throws Exception {
        deployedTwice(() -> gitops.kustomization("flux-system", "apps", TARGET));
        ControlPlane cp = start("gitops: {autoSync: pause, fightWindow: 1s}");

        DeployResult r = cp.kubernetes().rollback("web", null, null, "alice");

        assertThat(fixture.cluster().image("web")).isEqualTo("shop/web:v1");
        assertThat(r.message()).contains("Flux Kustomization flux-system/apps stays suspended")
                .contains("flux resume kustomization apps -n flux-system");
        var k = fixture.cluster().client().genericKubernetesResources(FakeGitOpsController.KUSTOMIZATIONS)
                .inNamespace("flux-system").withName("apps").get();
        assertThat(((Map<?, ?>) k.getAdditionalProperties().get("spec")).get("suspend")).isEqualTo(true);
        assertThat(fixture.kinds()).containsSubsequence("gitops.paused", "rollback.started", "rollback.succeeded")
                .doesNotContain("gitops.fight");
    }

    /** Only a field manager names the owner: DeployGuard cannot pause it, rolls back, and sees the fight. */
    private void unnamedKustomization() {
        deployedTwice(() -> gitops.kustomization("flux-system", "apps", TARGET));
        fixture.cluster().client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
            d.getMetadata().getLabels().keySet().removeIf(l -> l.startsWith("kustomize.toolkit.fluxcd.io/"));
            return d;
        });
    }

    @Test
    void aFightIsRecordedAndReportedWithOnFightAlert() throws Exception {
        unnamedKustomization();
        ControlPlane cp = start("gitops: {onFight: alert, fightWindow: 10s}");

        DeployResult r = cp.kubernetes().rollback("web", null, null, "alice");

        assertThat(r.message()).contains("WARNING: deployment shop/web: image changed back from shop/web:v1 to"
                + " shop/web:v2").contains("written by kustomize-controller");
        Event fight = cp.store().events("web", 0, null, 100).stream()
                .filter(e -> e.kind().equals("gitops.fight")).findFirst().orElseThrow();
        assertThat(fight.data()).containsEntry("field", "image").containsEntry("manager", "kustomize-controller")
                .containsEntry("response", "alert");
        assertThat(fixture.kinds()).containsSubsequence("gitops.owner", "rollback.started", "rollback.succeeded",
                "gitops.fight");
    }

    @Test
    void aFightFailsTheRollbackWithOnFightRefuse() throws Exception {
        unnamedKustomization();
        ControlPlane cp = start("gitops: {onFight: refuse, fightWindow: 10s}");

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.DEPLOY_FAILED))
                .hasMessageContaining("the rollback did not hold: deployment shop/web: image changed back");
        assertThat(fixture.kinds()).contains("gitops.fight", "rollback.failed");
    }

    @Test
    void aTrackingAnnotationNamingNoApplicationIsRefusedAndNothingChanges() throws Exception {
        deployedTwice(() -> { });
        fixture.cluster().client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
            d.getMetadata().getAnnotations().put("argocd.argoproj.io/tracking-id", "gone:apps/Deployment:shop/web");
            return d;
        });
        ControlPlane cp = start("");

        assertThatThrownBy(() -> cp.kubernetes().rollback("web", null, null, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("marked as owned by Argo CD Application argocd/gone (annotation"
                        + " argocd.argoproj.io/tracking-id), but there is no such Application; nothing was rolled"
                        + " back");
        assertThat(fixture.cluster().image("web")).isEqualTo("shop/web:v2");
        assertThat(fixture.kinds()).doesNotContain("rollback.started");
    }

    @Test
    void historyNamesTheOwner() throws Exception {
        deployedTwice(() -> gitops.argoApplication("argocd", "shop", TARGET, false, false));
        ControlPlane cp = start("");

        @SuppressWarnings("unchecked")
        Map<String, Object> owner = (Map<String, Object>) cp.kubernetes().historyAnswer("web").get("gitops");

        assertThat(owner).containsEntry("name", "shop").containsEntry("automated", false);
        assertThat(KubernetesControlPlaneFixture.rows(cp.kubernetes().historyAnswer("web"))).hasSize(2);
        assertThat(List.of(owner.get("summary"))).containsExactly(
                "owned by Argo CD Application argocd/shop, manual sync (auto-sync off)");
    }
}
