package dev.deployguard.kubernetes.gitops;

import static dev.deployguard.kubernetes.gitops.GitOpsFixture.V1;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rollback of an Argo CD Application through {@code .operation}, as argoproj/argo-cd
 * {@code server/application/application.go} (Server.Rollback) writes it, against the fake application controller.
 */
class ArgoApplicationTest {
    private final GitOpsFixture f = new GitOpsFixture();
    private final ArgoApplication argo = new ArgoApplication(f.client);

    @AfterEach
    void stop() {
        f.close();
    }

    private GenericKubernetesResource app() {
        return f.client.genericKubernetesResources(FakeGitOpsController.APPLICATIONS).inNamespace("argocd")
                .withName("shop").get();
    }

    @Test
    void historyComesFromStatusHistory() {
        f.argoSyncedTwice(false, false);

        assertThat(argo.history("argocd", "shop")).extracting(ArgoApplication.HistoryEntry::id,
                ArgoApplication.HistoryEntry::revision, ArgoApplication.HistoryEntry::initiatedBy)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, V1, "ci"),
                        org.assertj.core.groups.Tuple.tuple(1L, V2, "ci"));
    }

    @Test
    void rollbackWritesASyncOperationToTheEarlierRevisionAndArgoAppliesIt() {
        f.argoSyncedTwice(false, false);
        assertThat(f.image()).isEqualTo("shop/web:v2");

        ArgoApplication.RollbackRequest r = argo.rollback("argocd", "shop", null, "alice", "5xx after v2");

        // What Argo CD's server writes for a rollback: a sync to the entry's revision and source, apply strategy.
        @SuppressWarnings("unchecked")
        Map<String, Object> op = (Map<String, Object>) app().getAdditionalProperties().get("operation");
        assertThat(op).extracting("sync").asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("revision", V1).containsEntry("syncStrategy", Map.of("apply", Map.of()))
                .containsEntry("prune", false).containsKey("source");
        assertThat(op).containsEntry("initiatedBy", Map.of("username", "alice"));
        assertThat(r.to().id()).isZero();
        assertThat(r.from().id()).isEqualTo(1);

        ArgoApplication.OperationResult done = argo.awaitOperation("argocd", "shop", f.clock, f.pause(),
                GitOpsFixture.second(), Duration.ofSeconds(30));
        assertThat(done.succeeded()).as(done.message()).isTrue();
        assertThat(f.image()).isEqualTo("shop/web:v1");
        assertThat(argo.history("argocd", "shop")).extracting(ArgoApplication.HistoryEntry::revision)
                .containsExactly(V1, V2, V1);
    }

    @Test
    void toRevisionPicksTheHistoryIdAndZeroIsTheFirstSync() {
        f.argoSyncedTwice(false, false);
        f.gitops.commit("c".repeat(40), new FakeGitOpsController.Manifest("shop/web:v3", 3));
        f.sync("c".repeat(40));

        assertThat(argo.rollback("argocd", "shop", 0L, "alice", null).to().revision())
                .as("id 0, not the previous entry (id 1)").isEqualTo(V1);
    }

    @Test
    void autoSyncOnIsRefusedAndNothingIsWritten() {
        f.argoSyncedTwice(true, true);
        String before = app().getMetadata().getResourceVersion();

        assertThatThrownBy(() -> argo.rollback("argocd", "shop", null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("syncs automatically (auto-sync with self-heal on")
                .hasMessageContaining("gitops.autoSync: pause")
                .hasMessageContaining("argocd app set shop --sync-policy none");
        assertThat(app().getMetadata().getResourceVersion()).isEqualTo(before);
        assertThat(app().getAdditionalProperties()).doesNotContainKey("operation");
    }

    @Test
    void pausedAutoSyncLetsTheRollbackHoldAndResumeRearmsIt() {
        f.argoSyncedTwice(true, true);

        ArgoApplication.Pause p = argo.pauseAutoSync("argocd", "shop");
        assertThat(p.changed()).isTrue();
        assertThat(p.how()).contains("automated.enabled set to false");
        assertThat(ArgoApplication.automation(app()).automated()).isFalse();
        argo.rollback("argocd", "shop", null, "alice", null);
        argo.awaitOperation("argocd", "shop", f.clock, f.pause(), GitOpsFixture.second(), Duration.ofSeconds(30));
        for (int i = 0; i < 5; i++) {
            f.gitops.step();
        }
        assertThat(f.image()).as("the controller honours enabled: false").isEqualTo("shop/web:v1");

        assertThat(argo.resumeAutoSync("argocd", "shop")).isTrue();
        assertThat(ArgoApplication.automation(app()).automated()).isTrue();
        assertThat(app().getMetadata().getAnnotations()).doesNotContainKey(ArgoApplication.PAUSED_AUTOMATION);
        f.gitops.step();
        assertThat(f.image()).as("re-armed auto-sync redeploys git's HEAD").isEqualTo("shop/web:v2");
    }

    @Test
    void autoSyncIsReArmedOnlyOnceGitMovedOnFromTheBadRevision() {
        f.argoSyncedTwice(true, true);
        argo.pauseAutoSync("argocd", "shop");

        assertThat(argo.resumeIfSafe("argocd", "shop")).isEqualTo("not re-armed: git still points at " + V2
                + ", the revision tracked when DeployGuard paused auto-sync; fix git first");
        assertThat(ArgoApplication.automation(app()).automated()).isFalse();

        // Argo CD refreshes status.sync.revision from git while auto-sync is off: a fix lands as commit ccc…
        String fix = "c".repeat(40);
        f.client.genericKubernetesResources(FakeGitOpsController.APPLICATIONS).inNamespace("argocd").withName("shop")
                .edit(a -> {
                    a.getAdditionalProperties().put("status", new java.util.LinkedHashMap<>(Map.of("sync",
                            Map.of("status", "OutOfSync", "revision", fix), "history",
                            ((Map<?, ?>) a.getAdditionalProperties().get("status")).get("history"))));
                    return a;
                });

        assertThat(argo.resumeIfSafe("argocd", "shop")).isEqualTo("re-armed auto-sync: git moved from " + V2
                + " to " + fix);
        assertThat(ArgoApplication.automation(app()).automated()).isTrue();
    }

    @Test
    void gitsOwnHeadOfThePathIsAskedBeforeReArming() {
        f.argoSyncedTwice(true, true);
        argo.pauseAutoSync("argocd", "shop");
        String other = "c".repeat(40); // a commit that moved the branch: Argo CD alone would call it safe
        f.client.genericKubernetesResources(FakeGitOpsController.APPLICATIONS).inNamespace("argocd").withName("shop")
                .edit(a -> {
                    a.getAdditionalProperties().put("status", new java.util.LinkedHashMap<>(Map.of("sync",
                            Map.of("status", "OutOfSync", "revision", other), "history",
                            ((Map<?, ?>) a.getAdditionalProperties().get("status")).get("history"))));
                    return a;
                });
        GitHeadAnswer git = new GitHeadAnswer();
        git.deploys = true;

        assertThat(argo.resumeIfSafe("argocd", "shop", git, GitHeadAnswer.WHERE)).isEqualTo("not re-armed:"
                + " apps/shop on main still has its tree at " + V2 + ", the revision paused from; fix git first");
        assertThat(git.asked).containsExactly(new dev.deployguard.gitops.Deployed.Commit(V2));
        assertThat(ArgoApplication.automation(app()).automated()).isFalse();

        git.failure = dev.deployguard.gitops.GitRestoreException.unavailable("git daemon at 127.0.0.1 refused");
        assertThat(argo.resumeIfSafe("argocd", "shop", git, GitHeadAnswer.WHERE)).isEqualTo("not re-armed: git"
                + " cannot be read to check apps/shop on main: git daemon at 127.0.0.1 refused");
        assertThat(ArgoApplication.automation(app()).automated()).isFalse();

        git.failure = null;
        git.deploys = false;
        assertThat(argo.resumeIfSafe("argocd", "shop", git, GitHeadAnswer.WHERE)).isEqualTo("re-armed auto-sync:"
                + " git moved from " + V2 + " to " + other);
        assertThat(ArgoApplication.automation(app()).automated()).isTrue();
    }

    @Test
    void noSuchApplicationIsNamed() {
        assertThatThrownBy(() -> argo.rollback("argocd", "nope", null, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("Argo CD Application \"nope\" not found in namespace \"argocd\"")
                .hasMessageContaining("kubectl get applications.argoproj.io -n argocd");
    }

    @Test
    void unknownHistoryIdListsTheIdsThereAre() {
        f.argoSyncedTwice(false, false);

        assertThatThrownBy(() -> argo.rollback("argocd", "shop", 7L, "alice", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("does not have deployment with id 7; its history ids are 0, 1");
        assertThat(app().getAdditionalProperties()).doesNotContainKey("operation");
    }

    @Test
    void anOperationInProgressIsBusy() {
        f.argoSyncedTwice(false, false);
        argo.rollback("argocd", "shop", null, "alice", null);

        assertThatThrownBy(() -> argo.rollback("argocd", "shop", null, "bob", null))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BUSY))
                .hasMessageContaining("already has an operation in progress");
    }

    @Test
    void theRevisionAlreadyDeployedIsRefused() {
        f.argoSyncedTwice(false, false);

        assertThatThrownBy(() -> argo.rollback("argocd", "shop", 1L, "alice", null))
                .hasMessageContaining("already runs history entry 1 (bbbbbbb)");
    }
}
