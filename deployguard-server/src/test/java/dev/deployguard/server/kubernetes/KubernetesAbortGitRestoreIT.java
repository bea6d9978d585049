package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aborted canary of a Kubernetes Deployment app with {@code gitops.git} writes the git restore commit, as a
 * rollback does (KubernetesGitRollbackIT): git's path goes back to the commit before the one that brought the
 * aborted version in, cross-checked with the git binary; with git unreachable the abort still happens and the
 * restore is pending. The bare repository and its commits are made by the test (WebGitHistory, Debian's git).
 */
class KubernetesAbortGitRestoreIT {
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
        cluster.canaryApp();
        return kube.startControlPlane(dir, ClusterFixture.CANARY, ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]")
                + """
                gitops:
                  git: {url: '%s', branch: main, path: apps/web, push: main}
                """.formatted(url));
    }

    @Test
    void anAbortedCanaryWritesTheRestoreCommit() throws Exception {
        ControlPlane cp = start(git.url());
        kube.deploy("v2");
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        String head = git.head();
        assertThat(head).isNotEqualTo(git.bad());
        git.assertRestoreCommit(head, "carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
        @SuppressWarnings("unchecked")
        var status = (Map<String, Object>) ((Map<String, Object>) cp.kubernetes().status("web").get("gitops")).get("git");
        assertThat(status).containsEntry("state", "restored").containsEntry("sha", head);
    }

    @Test
    void withGitUnreachableTheAbortStillHappensAndGitIsPending() throws Exception {
        ControlPlane cp = start(WebGitHistory.unreachableUrl());
        kube.deploy("v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_PENDING);
        Event pending = cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.GITOPS_GIT_PENDING)).findFirst().orElseThrow();
        assertThat(pending.data()).containsKey("bad");
        assertThat(String.valueOf(pending.data().get("bad"))).contains("v2");
        assertThat(git.head()).isEqualTo(git.bad());
    }
}
