package dev.deployguard.server.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.gitops.Deployed;
import dev.deployguard.gitops.git.GitFixture;
import dev.deployguard.gitops.git.JGitRestorer;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.GitOpsSpec;
import dev.deployguard.spec.Spec;
import dev.deployguard.testing.InMemoryStore;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git unreachable after a rollback: the rollback stands, {@code gitops.git.pending} is recorded once, the ticker
 * retries on its schedule (simulated time, no sleeps) and, once a real {@code git daemon} answers, records
 * {@code gitops.git.restored} with the restore commit's SHA — also after a control plane restart in between.
 */
class GitCatchUpIT {
    private static final Duration RETRY = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    GitFixture fx;
    final InMemoryStore store = new InMemoryStore();
    final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-12-07T08:00:00Z"));

    @AfterEach
    void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void unreachableGitIsPendingThenCatchesUpAfterARestart() throws Exception {
        fx = new GitFixture(tmp);
        Path bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        String good = fx.commit(work, "shop v1", "apps/shop/deployment.yaml", "image: registry.example/shop:v1\n",
                "README.md", "hello\n");
        fx.commit(work, "shop v2", "apps/shop/deployment.yaml", "image: registry.example/shop:v2\n");
        fx.git(work, "push", "-q", "origin", "main");
        String badHead = fx.git(bare, "rev-parse", "main").strip();
        int port = GitFixture.freePort(); // the daemon is not running yet: git is unreachable
        AppSpec shop = new AppSpec("shop", null, new Strategy.Replace(), null, null, null, null, null, null,
                new GitOpsSpec(new GitOpsSpec.Git("git://127.0.0.1:" + port + "/deploy.git", "main", "apps/shop",
                        GitOpsSpec.Push.MAIN, null)));
        Spec spec = new Spec(Map.of("shop", shop));
        Deployed bad = Deployed.Mentions.image("registry.example/shop:v2");

        GitCatchUp first = catchUp(spec);
        String answer = first.afterRollback(shop, bad, null, "alice");

        assertThat(answer).contains("git has not caught up yet").contains("retries every 15s");
        assertThat(kinds()).containsExactly(EventKinds.GITOPS_GIT_PENDING);
        Event pending = events().get(0);
        assertThat(pending.message()).contains("cannot fetch main from git://127.0.0.1:" + port);
        assertThat(first.state(shop)).containsEntry("state", "pending").containsEntry("path", "apps/shop");

        first.tick(); // too early: not retried
        clock.advance(RETRY);
        first.tick(); // retried, still down: the same reason is not recorded again
        assertThat(kinds()).containsExactly(EventKinds.GITOPS_GIT_PENDING);
        assertThat(fx.git(bare, "rev-parse", "main").strip()).isEqualTo(badHead);

        // The control plane restarts; git comes back.
        GitCatchUp second = catchUp(spec);
        fx.startDaemon(port);
        second.tick();

        assertThat(kinds()).containsExactly(EventKinds.GITOPS_GIT_PENDING, EventKinds.GITOPS_GIT_RESTORED);
        Event restored = events().get(1);
        String sha = fx.git(bare, "rev-parse", "main").strip();
        assertThat(restored.message()).startsWith("git caught up: restore commit " + sha.substring(0, 7));
        assertThat(restored.data()).containsEntry("sha", sha).containsEntry("good", good)
                .containsEntry("bad", badHead);
        assertThat(restored.actor()).isEqualTo("alice");
        assertThat(fx.exitOf(bare, "diff", "--quiet", good, sha, "--", "apps/shop")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", badHead, sha, "--", "README.md")).isZero();
        assertThat(second.state(shop)).containsEntry("state", "restored").containsEntry("sha", sha);

        clock.advance(RETRY);
        second.tick(); // nothing pending any more
        assertThat(kinds()).hasSize(2);
    }

    @Test
    void refusedCredentialsArePendingAndTheTokenIsInNoEventNorAnswer() throws Exception {
        fx = new GitFixture(tmp);
        Path bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        fx.commit(work, "shop v1", "apps/shop/deployment.yaml", "image: registry.example/shop:v1\n");
        fx.commit(work, "shop v2", "apps/shop/deployment.yaml", "image: registry.example/shop:v2\n");
        fx.git(work, "push", "-q", "origin", "main");
        String token = "tok-" + java.util.UUID.randomUUID();
        try (var http = new dev.deployguard.gitops.git.GitHttpBackend(bare.getParent(), "x-access-token", token)) {
            AppSpec shop = new AppSpec("shop", null, new Strategy.Replace(), null, null, null, null, null, null,
                    new GitOpsSpec(new GitOpsSpec.Git(http.url("deploy"), "main", "apps/shop", GitOpsSpec.Push.BRANCH,
                            "SHOP_GIT_TOKEN")));
            Spec spec = new Spec(Map.of("shop", shop));
            Deployed bad = Deployed.Mentions.image("registry.example/shop:v2");
            // The control plane was started with a stale token: git refuses it.
            var stale = new GitCatchUp(new JGitRestorer(Map.of("SHOP_GIT_TOKEN", "old-" + token),
                    tmp.resolve("scratch"), Duration.ofSeconds(5)), new EventLog(store, clock)::record, store, () -> spec,
                    clock, RETRY);

            String answer = stale.afterRollback(shop, bad, null, "alice");

            assertThat(kinds()).containsExactly(EventKinds.GITOPS_GIT_PENDING);
            assertThat(http.authorizations()).isNotEmpty();
            // Restarted with the right token, it catches up on the branch policy's review branch.
            var fresh = new GitCatchUp(new JGitRestorer(Map.of("SHOP_GIT_TOKEN", token), tmp.resolve("scratch"),
                    Duration.ofSeconds(5)), new EventLog(store, clock)::record, store, () -> spec, clock, RETRY);
            fresh.tick();

            assertThat(kinds()).containsExactly(EventKinds.GITOPS_GIT_PENDING, EventKinds.GITOPS_GIT_RESTORED);
            assertThat(events().get(1).data().get("ref").toString()).startsWith("refs/heads/deployguard/rollback-shop-");
            String everything = answer + events() + fresh.state(shop);
            assertThat(everything).doesNotContain(token);
        }
    }

    @Test
    void aLocalAppsReleasesAreFoundByTheirVersionAndToRevisionPicksTheGoodOne() throws Exception {
        fx = new GitFixture(tmp);
        Path bare = fx.bare("deploy");
        Path work = fx.clone(bare, "dev");
        String v1 = fx.commit(work, "web 1.9", "hosts/web/release.env", "VERSION=1.9\n");
        fx.commit(work, "web 2.0", "hosts/web/release.env", "VERSION=2.0\n", "hosts/web/extra.conf", "x=1\n");
        String v21 = fx.commit(work, "web 2.1", "hosts/web/release.env", "VERSION=2.1\n", "hosts/web/extra.conf",
                null, "other/keep.txt", "kept\n");
        fx.git(work, "push", "-q", "origin", "main");
        AppSpec web = new AppSpec("web", null, new Strategy.Replace(), null, null, null, null, null, null,
                new GitOpsSpec(new GitOpsSpec.Git(bare.toUri().toString(), "main", "hosts/web", GitOpsSpec.Push.MAIN,
                        null)));
        GitCatchUp catchUp = catchUp(new Spec(Map.of("web", web)));

        // rollback --to-revision 1: from 2.1 straight back to 1.9, past 2.0.
        String answer = catchUp.afterRollback(web, release(3, "2.1"), release(1, "1.9"), true, "dave");

        String head = fx.git(bare, "rev-parse", "main").strip();
        assertThat(answer).contains("restore commit " + head.substring(0, 7));
        assertThat(events().get(0).data()).containsEntry("good", v1).containsEntry("bad", v21);
        assertThat(fx.exitOf(bare, "diff", "--quiet", v1, head, "--", "hosts/web")).isZero();
        assertThat(fx.exitOf(bare, "diff", "--quiet", v21, head, "--", "other")).isZero();
    }

    private static dev.deployguard.release.Release release(int revision, String version) {
        return new dev.deployguard.release.Release("web", revision, version, List.of("run"), Map.of(), 1, "h", null,
                "dave", Instant.parse("2026-12-07T08:00:00Z"), dev.deployguard.release.ReleaseStatus.SUPERSEDED,
                null);
    }

    @Test
    void anAppWithoutGitIsLeftAlone() {
        AppSpec plain = new AppSpec("plain", null, new Strategy.Replace());
        GitCatchUp catchUp = catchUp(new Spec(Map.of("plain", plain)));

        assertThat(catchUp.afterRollback(plain, Deployed.Mentions.image("shop:v2"), null, "bob")).isNull();
        assertThat(catchUp.state(plain)).isNull();
        assertThat(kinds()).isEmpty();
    }

    private GitCatchUp catchUp(Spec spec) {
        var restorer = new JGitRestorer(Map.of(), tmp.resolve("scratch"), Duration.ofSeconds(5));
        return new GitCatchUp(restorer, new EventLog(store, clock)::record, store, () -> spec, clock, RETRY);
    }

    private List<Event> events() {
        return store.events(null, 0, Instant.EPOCH, 100);
    }

    private List<String> kinds() {
        return events().stream().map(Event::kind).toList();
    }
}
