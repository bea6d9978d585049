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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollback} of a Helm release app with {@code gitops.git}, by a real (in-process) control plane on the mock API
 * server: Helm rolls back first (a new revision "Rollback to 1"), then git gets the restore commit of the app's
 * directory, found by the image the bad revision's Deployment ran (shop/web:v2) and checked with the git binary;
 * the same under a Flux HelmRelease that DeployGuard suspends; with git unreachable the rollback still works and the
 * restore is pending.
 */
class KubernetesHelmGitRollbackIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    /** Registered first, so its repository outlives the control plane (extensions close in reverse order). */
    @RegisterExtension
    @Order(1)
    final WebGitHistory git = new WebGitHistory("release.yaml");

    private ControlPlane deployedTwice(String url, String gitopsExtra) throws Exception {
        cluster.runController(20);
        ControlPlane cp = kube.startControlPlane(dir, "rolloutTimeout: 20s\nhelm: {chart: %s}\n"
                .formatted(KubernetesHelmCanaryRolloutTest.chart(dir)), """
                gitops:
                  %s
                  git: {url: '%s', branch: main, path: apps/web, push: main}
                """.formatted(gitopsExtra, url));
        kube.deploy("v1");
        kube.deploy("v2");
        assertThat(cluster.image("web")).isEqualTo("shop/web:v2");
        return cp;
    }

    @Test
    void aHelmRollbackWritesTheRestoreCommit() throws Exception {
        ControlPlane cp = deployedTwice(git.url(), "fightWindow: 0s");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        String head = git.head();
        assertThat(head).isNotEqualTo(git.bad());
        assertThat(back.message()).contains("Rollback to 1")
                .contains("git: restore commit " + head.substring(0, 7) + " pushed to main");
        git.assertRestoreCommit(head, "carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
    }

    @Test
    void underAFluxHelmReleaseItIsSuspendedRolledBackAndGitGetsTheRestoreCommit() throws Exception {
        ControlPlane cp = deployedTwice(git.url(), "autoSync: pause\n  fightWindow: 1s");
        new FakeGitOpsController(cluster.client(), Clock.systemUTC()).helmRelease("shop", "web",
                new FakeGitOpsController.Target("shop", "web", "app"));

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        String head = git.head();
        assertThat(back.message()).contains("Flux HelmRelease shop/web stays suspended")
                .contains("git: restore commit " + head.substring(0, 7) + " pushed to main");
        assertThat(git.sameTree(git.good(), head, "apps/web")).isTrue();
        assertThat(kube.kinds()).containsSubsequence(EventKinds.GITOPS_PAUSED, EventKinds.ROLLBACK_SUCCEEDED,
                EventKinds.GITOPS_GIT_RESTORED);
    }

    @Test
    void withGitUnreachableTheHelmRollbackStillWorksAndGitIsPending() throws Exception {
        ControlPlane cp = deployedTwice(WebGitHistory.unreachableUrl(), "fightWindow: 0s");

        DeployResult back = cp.kubernetes().rollback("web", null, null, "carol");

        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(back.message()).contains("Rollback to 1").contains("git has not caught up yet");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_PENDING);
        Event pending = cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.GITOPS_GIT_PENDING)).findFirst().orElseThrow();
        assertThat(pending.data()).containsEntry("bad", Map.of("mentions", List.of("shop/web:v2")));
        assertThat(git.head()).isEqualTo(git.bad());
    }
}
