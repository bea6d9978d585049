package dev.deployguard.kubernetes.gitops;

import static dev.deployguard.kubernetes.gitops.GitOpsFixture.NS;
import static dev.deployguard.kubernetes.gitops.GitOpsFixture.TARGET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flux: suspend/resume and {@code reconcile.fluxcd.io/requestedAt} as {@code flux suspend|resume|reconcile} write
 * them (fluxcd/flux2 {@code cmd/flux/resume.go}, {@code reconcile.go}), HelmRelease history and remediation state,
 * Kustomization revisions.
 */
class FluxTest {
    private final GitOpsFixture f = new GitOpsFixture();
    private final FluxSuspension suspension = new FluxSuspension(f.client, f.clock);

    @AfterEach
    void stop() {
        f.close();
    }

    private void setImage(String image) {
        f.client.apps().deployments().inNamespace(NS).withName("web").edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            return d;
        });
    }

    @Test
    void suspendedKustomizationLeavesAChangeAloneAndResumeReconcilesAtOnce() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();

        assertThat(suspension.suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "rollback by alice"))
                .isTrue();
        setImage("shop/web:hotfix");
        f.gitops.step();
        assertThat(f.image()).isEqualTo("shop/web:hotfix");
        assertThat(new FluxKustomization(f.client).revisions("flux-system", "apps").suspended()).isTrue();

        suspension.resume(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps");
        f.gitops.step();
        assertThat(f.image()).as("drift corrected after resume").isEqualTo("shop/web:v1");
        var k = f.client.genericKubernetesResources(FakeGitOpsController.KUSTOMIZATIONS).inNamespace("flux-system")
                .withName("apps").get();
        assertThat(k.getMetadata().getAnnotations()).containsKey(FluxSuspension.REQUESTED_AT)
                .doesNotContainKey(FluxSuspension.SUSPENDED_BY);
        assertThat(OwnerObjects.text(k, "status", "lastHandledReconcileAt"))
                .isEqualTo(k.getMetadata().getAnnotations().get(FluxSuspension.REQUESTED_AT));
    }

    private void gitRepository(String revision) {
        var ctx = new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                .withGroup("source.toolkit.fluxcd.io").withVersion("v1").withKind("GitRepository")
                .withPlural("gitrepositories").withNamespaced(true).build();
        var repo = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("source.toolkit.fluxcd.io/v1").withKind("GitRepository").withNewMetadata()
                .withNamespace("flux-system").withName("deploy").endMetadata().build();
        repo.getAdditionalProperties().put("status", Map.of("artifact", Map.of("revision", revision)));
        f.client.genericKubernetesResources(ctx).inNamespace("flux-system").resource(repo).createOr(
                io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    @Test
    void resumeWaitsUntilGitNoLongerDeliversTheRevisionRolledBackFrom() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();
        String bad = "main@sha1:" + GitOpsFixture.V1;
        suspension.suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "rollback by alice");

        assertThat(suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps").why())
                .isEqualTo("GitRepository deploy has no fetched revision yet");
        gitRepository(bad);
        FluxSuspension.Safety still = suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps");
        assertThat(still.safe()).isFalse();
        assertThat(still.why()).isEqualTo("git still delivers " + bad + ", the revision applied when DeployGuard"
                + " suspended it; fix git first");
        assertThat(new FluxKustomization(f.client).revisions("flux-system", "apps").suspended()).isTrue();

        gitRepository("main@sha1:" + "c".repeat(40));
        FluxSuspension.Safety now = suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps");

        assertThat(now.safe()).as(now.why()).isTrue();
        assertThat(new FluxKustomization(f.client).revisions("flux-system", "apps").suspended()).isFalse();
    }

    @Test
    void gitsOwnHeadOfThePathIsAskedBeforeResuming() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();
        suspension.suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "rollback by alice");
        gitRepository("main@sha1:" + "c".repeat(40)); // the branch moved: the GitRepository alone would call it safe
        GitHeadAnswer git = new GitHeadAnswer();
        git.deploys = true;

        FluxSuspension.Safety held = suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps",
                git, GitHeadAnswer.WHERE);
        assertThat(held).isEqualTo(new FluxSuspension.Safety(false, "apps/shop on main still has its tree at "
                + GitOpsFixture.V1 + ", the revision paused from; fix git first"));
        assertThat(git.asked).containsExactly(new dev.deployguard.gitops.Deployed.Commit(GitOpsFixture.V1));
        assertThat(new FluxKustomization(f.client).revisions("flux-system", "apps").suspended()).isTrue();

        git.deploys = false;
        FluxSuspension.Safety now = suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps",
                git, GitHeadAnswer.WHERE);
        assertThat(now.safe()).as(now.why()).isTrue();
        assertThat(new FluxKustomization(f.client).revisions("flux-system", "apps").suspended()).isFalse();
    }

    @Test
    void anObjectDeployGuardDidNotSuspendIsNeverResumedByIt() {
        f.gitops.kustomization("flux-system", "apps", TARGET);

        assertThat(suspension.resumeIfSafe(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps").why())
                .contains("was not suspended by DeployGuard");
    }

    @Test
    void anAlreadySuspendedObjectIsNotClaimed() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        suspension.suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "first");

        assertThat(suspension.suspend(Controller.FLUX_KUSTOMIZATION, "flux-system", "apps", "second")).isFalse();
    }

    @Test
    void kustomizationRevisionsReadMainAtSha() {
        f.gitops.kustomization("flux-system", "apps", TARGET);
        f.gitops.step();

        FluxKustomization.Revisions r = new FluxKustomization(f.client).revisions("flux-system", "apps");

        assertThat(r.lastApplied()).isEqualTo("main@sha1:" + GitOpsFixture.V1);
        assertThat(r.appliedSha()).isEqualTo(GitOpsFixture.V1);
    }

    @Test
    void helmReleaseHistoryAndRemediation() {
        f.gitops.helmRelease(NS, "web", TARGET);
        f.client.genericKubernetesResources(FakeGitOpsController.HELM_RELEASES).inNamespace(NS).withName("web")
                .edit(h -> {
                    h.getAdditionalProperties().put("status", Map.of(
                            "history", List.of(
                                    Map.of("version", 4, "chartName", "web", "chartVersion", "1.2.0",
                                            "status", "deployed"),
                                    Map.of("version", 3, "chartName", "web", "chartVersion", "1.3.0",
                                            "status", "failed")),
                            "upgradeFailures", 1, "failures", 1,
                            "conditions", List.of(Map.of("type", "Remediated", "status", "True",
                                    "message", "Helm rollback to previous release shop/web.v2 succeeded"))));
                    return h;
                });

        FluxHelmRelease.State s = new FluxHelmRelease(f.client).state(NS, "web");

        assertThat(s.history()).extracting(FluxHelmRelease.Snapshot::version).containsExactly(4L, 3L);
        assertThat(s.remediation().remediated()).isTrue();
        assertThat(s.remediation().describe()).isEqualTo("remediated (Helm rollback to previous release"
                + " shop/web.v2 succeeded), failures 1, install failures 0, upgrade failures 1; upgrade"
                + " remediation: 2 retries, then rollback");
    }

    @Test
    void noSuchHelmReleaseIsNamed() {
        assertThatThrownBy(() -> new FluxHelmRelease(f.client).state(NS, "nope"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.NOT_FOUND))
                .hasMessageContaining("Flux HelmRelease \"nope\" not found in namespace \"shop\"");
    }
}
