package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollback} of a Kubernetes Deployment app with {@code gitops.git}, by a real (in-process) control plane on the
 * mock API server: the cluster goes back first (from its own history), then git gets the restore commit of the app's
 * directory, checked with the git binary; with git unreachable the rollback still works and is recorded as pending.
 * An app Argo CD owns is rolled back through Argo CD first (auto-sync paused), then git gets the same restore commit.
 */
class KubernetesGitRollbackIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    /** Registered first, so its repository outlives the control plane (extensions close in reverse order). */
    @RegisterExtension
    @Order(1)
    final WebGitHistory git = new WebGitHistory("deployment.yaml");

    private ControlPlane start(String url) throws Exception {
        cluster.app().deployment();
        cluster.runController(20);
        return kube.startControlPlane(dir, "rolloutTimeout: 20s\n", """
                gitops:
                  git: {url: '%s', branch: main, path: apps/web, push: main}
                """.formatted(url));
    }

    @Test
    void aRollbackWritesTheRestoreCommitAndStatusShowsIt() throws Exception {
        ControlPlane cp = start(git.url());
        kube.deploy("v2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        String head = git.head();
        assertThat(back.message()).contains("git: restore commit " + head.substring(0, 7) + " pushed to main");
        git.assertRestoreCommit(head, "carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
        @SuppressWarnings("unchecked")
        var status = (Map<String, Object>) ((Map<String, Object>) cp.kubernetes().status("web").get("gitops")).get("git");
        assertThat(status).containsEntry("state", "restored").containsEntry("sha", head);
    }

    @Test
    void withGitUnreachableTheRollbackStillWorksAndGitIsPending() throws Exception {
        ControlPlane cp = start(WebGitHistory.unreachableUrl());
        kube.deploy("v2");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(back.message()).contains("git has not caught up yet");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_PENDING);
        Event pending = cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.GITOPS_GIT_PENDING)).findFirst().orElseThrow();
        assertThat(pending.data()).containsKey("bad");
        assertThat(git.head()).isEqualTo(git.bad());
    }

    @Test
    @SuppressWarnings("try") // a resource held open for the block's duration (or closed on purpose inside it)
    void anArgoOwnedAppGoesBackThroughArgoThenGitGetsTheRestoreCommit() throws Exception {
        cluster.app().deployment();
        cluster.simulator().settle(10);
        var argo = new FakeGitOpsController(cluster.client(), Clock.systemUTC());
        argo.commit("a".repeat(40), new FakeGitOpsController.Manifest("shop/web:v1", 3));
        argo.argoApplication("argocd", "shop", new FakeGitOpsController.Target("shop", "web", "app"), true, true);
        argo.step();
        argo.commit("b".repeat(40), new FakeGitOpsController.Manifest("shop/web:v2", 3));
        argo.step();
        cluster.runController(20);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        try (AutoCloseable running = argo.runInBackground(20)) {
            ControlPlane cp = kube.startControlPlane(dir, "container: app\nrolloutTimeout: 20s\n", """
                    gitops:
                      autoSync: pause
                      fightWindow: 1s
                      git: {url: '%s', branch: main, path: apps/web, push: main}
                    """.formatted(git.url()));

            DeployResult back = cp.kubernetes().rollback("web", null, "5xx after v2", "carol");

            assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
            String head = git.head();
            assertThat(back.message()).contains("Argo CD Application argocd/shop synced history entry 0")
                    .contains("git: restore commit " + head.substring(0, 7) + " pushed to main");
            assertThat(git.sameTree(git.good(), head, "apps/web")).isTrue();
            assertThat(kube.kinds()).containsSubsequence(EventKinds.GITOPS_PAUSED, EventKinds.ROLLBACK_SUCCEEDED,
                    EventKinds.GITOPS_GIT_RESTORED);
            @SuppressWarnings("unchecked")
            var gitops = (Map<String, Object>) cp.kubernetes().status("web").get("gitops");
            assertThat(gitops).containsEntry("summary", "owned by Argo CD Application argocd/shop, auto-sync off"
                    + " (automated.enabled: false)");
            assertThat(gitops.get("git")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("state", "restored").containsEntry("sha", head);
        }
    }
}
