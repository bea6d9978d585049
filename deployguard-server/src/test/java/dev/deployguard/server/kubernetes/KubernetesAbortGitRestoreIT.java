package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.git.GitFixture;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An aborted canary of a Kubernetes Deployment app with {@code gitops.git} writes the git restore commit, as a
 * rollback does (KubernetesGitRollbackIT): git's path goes back to the commit before the one that brought the
 * aborted version in, cross-checked with the git binary; with git unreachable the abort still happens and the
 * restore is pending. The bare repository and its commits are made by the test (GitFixture, Debian's git).
 */
class KubernetesAbortGitRestoreIT {
    @TempDir
    Path dir;
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture();
    private final ClusterFixture cluster = kube.cluster();
    private GitFixture fx;
    private Path bare;
    private String good;
    private String bad;

    @BeforeEach
    void repo() throws Exception {
        fx = new GitFixture(dir.resolve("git"));
        bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        good = fx.commit(work, "web v1", "apps/web/deployment.yaml", "image: shop/web:v1\n", "apps/db/x.yaml", "a\n");
        bad = fx.commit(work, "web v2", "apps/web/deployment.yaml", "image: shop/web:v2\n");
        fx.git(work, "push", "-q", "origin", "main");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

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
        ControlPlane cp = start(bare.toUri().toString());
        kube.deploy("v2");
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        String head = fx.git(bare, "rev-parse", "main").strip();
        assertThat(head).isNotEqualTo(bad);
        assertThat(fx.exitOf(bare, "diff", "--quiet", good, head, "--", "apps/web")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", bad, head, "--", "apps/db")).isZero();
        assertThat(fx.git(bare, "log", "-1", "--format=%B", head)).contains(good).contains(bad)
                .contains("DeployGuard-App: web").contains("DeployGuard-Actor: carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
        @SuppressWarnings("unchecked")
        var git = (Map<String, Object>) ((Map<String, Object>) cp.kubernetes().status("web").get("gitops")).get("git");
        assertThat(git).containsEntry("state", "restored").containsEntry("sha", head);
    }

    @Test
    void withGitUnreachableTheAbortStillHappensAndGitIsPending() throws Exception {
        int port = GitFixture.freePort();
        ControlPlane cp = start("git://127.0.0.1:" + port + "/deploy.git");
        kube.deploy("v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.canaryIngress()).isNull();
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_PENDING);
        Event pending = cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.GITOPS_GIT_PENDING)).findFirst().orElseThrow();
        assertThat(pending.data()).containsKey("bad");
        assertThat(String.valueOf(pending.data().get("bad"))).contains("v2");
        assertThat(fx.git(bare, "rev-parse", "main").strip()).isEqualTo(bad);
    }
}
