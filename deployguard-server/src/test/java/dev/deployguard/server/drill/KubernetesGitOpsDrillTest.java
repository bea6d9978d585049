package dev.deployguard.server.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.gitops.ArgoApplication;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.Store;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill of a Deployment app that Argo CD owns with auto-sync and self-heal on, the fake application controller
 * running beside it: refused under {@code gitops.autoSync: refuse} with nothing changed, run after pausing auto-sync
 * under {@code pause}.
 */
class KubernetesGitOpsDrillTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private Store store;
    private KubernetesApps apps;
    private DrillRunner drills;
    private AutoCloseable argo;
    private final List<Event> seen = new CopyOnWriteArrayList<>();

    private void start(String gitops) throws Exception {
        cluster.app().registryDeployment();
        FakeGitOpsController controller = new FakeGitOpsController(cluster.client(), Clock.systemUTC());
        controller.commit("a".repeat(40), new FakeGitOpsController.Manifest("registry.example/shop/web:1.0", 2));
        controller.argoApplication("argocd", "shop", new FakeGitOpsController.Target("shop", "web", "web"), true,
                true);
        controller.step();
        cluster.runController(50);
        argo = controller.runInBackground(20);
        Path spec = cluster.writeSpec(dir.resolve("deployguard.yaml"), "rolloutTimeout: 20s\n", gitops);
        Clock clock = Clock.systemUTC();
        store = JdbcStore.embedded(dir.resolve("state"));
        EventLog events = new EventLog(store, clock);
        events.addListener(seen::add);
        SpecSource specs = new SpecSource(spec);
        apps = new KubernetesApps(store, specs, events, clock, "test-holder");
        drills = new DrillRunner(store, specs, null, null, null, events, clock, apps);
    }

    @AfterEach
    void stop() throws Exception {
        if (argo != null) {
            argo.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private boolean autoSync() {
        return ArgoApplication.automation(cluster.client().genericKubernetesResources(
                FakeGitOpsController.APPLICATIONS).inNamespace("argocd").withName("shop").get()).automated();
    }

    @Test
    void autoSyncWithPolicyRefuseRefusesTheDrillAndChangesNothing() throws Exception {
        start("");

        assertThatThrownBy(() -> drills.run(new DrillRequest("web", List.of("1.0", "2.0"), List.of(), null),
                "alice")).isInstanceOfSatisfying(DeployGuardException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(ExitCode.BAD_INPUT))
                .hasMessageContaining("app 'web' is owned by Argo CD Application argocd/shop, auto-sync with"
                        + " self-heal on, prune on: it would undo a rollback drill. Nothing was changed.");
        assertThat(autoSync()).isTrue();
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        assertThat(seen).extracting(Event::kind).doesNotContain(EventKinds.DRILL_STARTED);
    }

    @Test
    void withPolicyPauseAutoSyncIsPausedRecordedAndTheDrillPasses() throws Exception {
        start("gitops: {autoSync: pause, fightWindow: 0s}\n");

        DrillReport report = drills.run(new DrillRequest("web", List.of("1.0", "2.0"), List.of(), null), "alice");

        assertThat(report.passed()).as(report.summary()).isTrue();
        assertThat(report.steps()).extracting(DrillReport.Step::name).contains("deploy candidate", "roll back");
        assertThat(autoSync()).isFalse();
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        assertThat(seen).extracting(Event::kind).containsSubsequence(EventKinds.GITOPS_PAUSED,
                EventKinds.GITOPS_OWNER, EventKinds.DRILL_STARTED, EventKinds.DRILL_FINISHED);
    }
}
