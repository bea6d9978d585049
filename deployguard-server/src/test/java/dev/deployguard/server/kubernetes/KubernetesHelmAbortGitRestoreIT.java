package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.git.GitFixture;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git restore commit written after an aborted rollout of a Helm release app with {@code gitops.git}
 * ({@link AbortGitRestore}), as KubernetesAbortGitRestoreIT shows it for a Deployment app: an operator's abort of a
 * Helm canary, an automatic abort (the canary missed its preparation deadline: {@code rollback.automatic} by the
 * system) and the abort of a Helm blue/green each set git's app directory back to the commit before the one that
 * brought the aborted version in — cross-checked with Debian's git binary ({@code git diff --quiet GOOD HEAD --
 * apps/web} exits 0, the other app's directory untouched) — while the Helm release keeps its revisions (an abort
 * writes none). The bare repository and its commits are made by the test (GitFixture).
 */
class KubernetesHelmAbortGitRestoreIT {
    @TempDir
    Path dir;
    private final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-12-07T10:00:00Z"));
    @RegisterExtension
    final KubernetesControlPlaneFixture kube = new KubernetesControlPlaneFixture(clock);
    private final ClusterFixture cluster = kube.cluster();
    private GitFixture fx;
    private Path bare;
    private String good;
    private String bad;

    @BeforeEach
    void repository() throws Exception {
        fx = new GitFixture(dir.resolve("git"));
        bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        good = fx.commit(work, "web v1", "apps/web/release.yaml", "image: shop/web:v1\n", "apps/db/x.yaml", "a\n");
        bad = fx.commit(work, "web v2", "apps/web/release.yaml", "image: shop/web:v2\n");
        fx.git(work, "push", "-q", "origin", "main");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private ControlPlane start(String strategy, String steps) throws Exception {
        cluster.app().ingress();
        cluster.runController(20);
        return kube.startControlPlane(dir, "helm: {chart: %s}\n".formatted(KubernetesHelmCanaryRolloutTest.chart(dir))
                + strategy, steps + """
                gitops:
                  fightWindow: 0s
                  git: {url: '%s', branch: main, path: apps/web, push: main}
                """.formatted(bare.toUri()));
    }

    /** git's app directory is back at the good commit by one restore commit naming both SHAs; the rest untouched. */
    private void assertRestored(String actor) throws Exception {
        String head = fx.git(bare, "rev-parse", "main").strip();
        assertThat(head).isNotEqualTo(bad);
        assertThat(fx.exitOf(bare, "diff", "--quiet", good, head, "--", "apps/web")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", bad, head, "--", "apps/db")).isZero();
        assertThat(fx.git(bare, "rev-parse", head + "^").strip()).as("one commit on top of the bad one")
                .isEqualTo(bad);
        assertThat(fx.git(bare, "log", "-1", "--format=%B", head)).contains(good).contains(bad)
                .contains("DeployGuard-App: web").contains("DeployGuard-Actor: " + actor);
    }

    @Test
    void anAbortedHelmCanaryWritesTheRestoreCommit() throws Exception {
        ControlPlane cp = start(ClusterFixture.CANARY, ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
        kube.deploy("v1");
        kube.deploy("v2");
        assertThat(cluster.image("web-canary")).isEqualTo("shop/web:v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.image("web")).isEqualTo("shop/web:v1");
        assertThat(cluster.helmHistory()).as("an abort writes no Helm revision").hasSize(1);
        assertRestored("carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
    }

    @Test
    void anAutomaticAbortOfAHelmCanaryWritesTheRestoreCommit() throws Exception {
        ControlPlane cp = start(ClusterFixture.CANARY, ClusterFixture.canary("[{setWeight: 20}, {pause: {}}]"));
        kube.deploy("v1");
        cluster.simulator().failImage("shop/web:v2");
        cp.kubernetes().deploy(new Deployer.DeployRequest("web", "v2", null, false, Duration.ofMinutes(2), "alice",
                true));
        kube.await("the canary Deployment", () -> cluster.deployment("web-canary") != null);
        assertThat(kube.preparing()).as("the canary's pods never become ready").isTrue();

        clock.advance(Duration.ofMinutes(3));

        // The abort's events are recorded while its actions run; the ended rollout is stored after them.
        kube.await("the system to give up and restore git", () -> kube.kinds().contains(EventKinds.GITOPS_GIT_RESTORED)
                && cp.store().activeRollout("web").isEmpty());
        assertThat(cp.store().rollouts("web", 1).get(0).phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        Event automatic = cp.store().events("web", 0, null, 500).stream()
                .filter(e -> e.kind().equals(EventKinds.ROLLBACK_AUTOMATIC)).findFirst().orElseThrow();
        assertThat(automatic.actor()).isEqualTo("system");
        assertThat(automatic.data()).containsEntry("abort", true);
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLOUT_PREPARATION_FAILED,
                EventKinds.ROLLBACK_AUTOMATIC, EventKinds.GITOPS_GIT_RESTORED);
        assertThat(cluster.helmHistory()).hasSize(1);
        assertRestored("system");
    }

    @Test
    void anAbortedHelmBlueGreenWritesTheRestoreCommit() throws Exception {
        ControlPlane cp = start(ClusterFixture.BLUE_GREEN, ClusterFixture.blueGreen("5s"));
        kube.deploy("v1");
        kube.deploy("v2");
        assertThat(cluster.image("web-preview")).isEqualTo("shop/web:v2");

        Rollout aborted = cp.rollouts().command("web", RolloutEngine.Command.ABORT, "carol");

        assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(cluster.selector("web")).isEqualTo(Map.of("app", "web", "deployguard.dev/track", "stable"));
        assertThat(cluster.helmHistory()).hasSize(1);
        assertRestored("carol");
        assertThat(kube.kinds()).containsSubsequence(EventKinds.ROLLBACK_SUCCEEDED, EventKinds.GITOPS_GIT_RESTORED);
    }
}
