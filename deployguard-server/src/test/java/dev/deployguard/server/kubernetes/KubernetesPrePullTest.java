package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.prepull.PrePullDaemonSet;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.Store;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kubernetes deploy with {@code platform.kubernetes.prePull} on fabric8's mock API server, the simulated Deployment
 * controller and a DaemonSet "controller" that writes the status a real one would once it has seen the template:
 * the DaemonSet holds the new and the serving image before the Deployment changes; without the DaemonSet's pods
 * becoming ready the deploy is refused at the timeout and the Deployment keeps its image.
 */
class KubernetesPrePullTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private Store store;
    private KubernetesApps apps;
    private ScheduledExecutorService daemonSetController;
    private final List<Event> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster.app().registryDeployment();
        cluster.runController(50);
        Path spec = cluster.writeSpec(dir.resolve("deployguard.yaml"), """
                rolloutTimeout: 20s
                prePull: {timeout: 3s}
                """, "");
        store = JdbcStore.embedded(dir.resolve("state"));
        EventLog events = new EventLog(store, Clock.systemUTC());
        events.addListener(seen::add);
        apps = new KubernetesApps(store, new SpecSource(spec), events, Clock.systemUTC(), "test-holder");
    }

    @AfterEach
    void stop() throws Exception {
        if (daemonSetController != null) {
            daemonSetController.shutdownNow();
            daemonSetController.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (store != null) {
            store.close();
        }
    }

    /** Two eligible nodes, both pods ready as soon as the controller has seen a template. */
    private void runDaemonSetController() {
        daemonSetController = Executors.newSingleThreadScheduledExecutor();
        daemonSetController.scheduleWithFixedDelay(() -> {
            for (DaemonSet ds : cluster.client().apps().daemonSets().inNamespace("shop").list().getItems()) {
                Long generation = ds.getMetadata().getGeneration();
                if (ds.getStatus() == null || !generation.equals(ds.getStatus().getObservedGeneration())) {
                    ds.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(generation)
                            .withDesiredNumberScheduled(2).withCurrentNumberScheduled(2).withUpdatedNumberScheduled(2)
                            .withNumberReady(2).withNumberAvailable(2).withNumberMisscheduled(0).build());
                    cluster.client().apps().daemonSets().inNamespace("shop").resource(ds).updateStatus();
                }
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
    }

    @Test
    void theNewAndTheServingImageAreOnEveryNodeBeforeTheDeploymentChanges() {
        runDaemonSetController();

        apps.deploy(new Deployer.DeployRequest("web", "2.0", null, false, Duration.ofSeconds(20), "alice", true));

        DaemonSet ds = cluster.client().apps().daemonSets().inNamespace("shop").withName("deployguard-prepull-web")
                .get();
        assertThat(PrePullDaemonSet.images(ds)).containsExactly("registry.example/shop/web:2.0",
                "registry.example/shop/web:1.0");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:2.0");
        List<String> kinds = seen.stream().map(Event::kind).toList();
        int prePulled = kinds.lastIndexOf(EventKinds.KUBERNETES_PREPULL);
        assertThat(prePulled).isNotNegative().isLessThan(kinds.indexOf(EventKinds.DEPLOY_STARTED));
        assertThat(seen.get(prePulled).message()).isEqualTo("daemon set shop/deployguard-prepull-web holds"
                + " registry.example/shop/web:2.0 and the rollback image registry.example/shop/web:1.0 on 2 node(s)");
    }

    @Test
    void podsThatNeverBecomeReadyRefuseTheDeployAtTheTimeoutAndNothingMoves() {
        assertThatThrownBy(() -> apps.deploy(new Deployer.DeployRequest("web", "2.0", null, false,
                Duration.ofSeconds(20), "alice", true)))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.DEPLOY_FAILED);
                    assertThat(e.getMessage()).contains("did not reach every node that may run web within PT3S")
                            .contains("nothing was rolled out");
                });
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        assertThat(seen).extracting(Event::kind).contains(EventKinds.DEPLOY_FAILED)
                .doesNotContain(EventKinds.DEPLOY_STARTED);
    }
}
