package dev.deployguard.server.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.testing.ClusterFixture;
import dev.deployguard.release.Release;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.Store;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill of a Kubernetes Deployment app against the fabric8 mock API server, with the simulated Deployment
 * controller playing the cluster in the background: a clean rollback passes field by field, and a scale-up made by
 * someone else while the candidate serves (a rollback does not undo it) is named in the report.
 */
class KubernetesDrillTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();
    private Store store;
    private EventLog events;
    private KubernetesApps apps;
    private DrillRunner drills;
    private final List<Event> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster.app().registryDeployment(new EnvVar("LOG_LEVEL", "info", null));
        cluster.runController(50);
        Path spec = cluster.writeSpec(dir.resolve("deployguard.yaml"), """
                rolloutTimeout: 20s
                """, "");
        Clock clock = Clock.systemUTC();
        store = JdbcStore.embedded(dir.resolve("state"));
        events = new EventLog(store, clock);
        events.addListener(seen::add);
        SpecSource specs = new SpecSource(spec);
        apps = new KubernetesApps(store, specs, events, clock, "test-holder");
        drills = new DrillRunner(store, specs, null, null, null, events, clock, apps);
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aCleanRollbackRestoresEveryFieldOfTheBaseline() {
        DrillReport report = drills.run(new DrillRequest("web", List.of("1.0", "2.0"), List.of(), null), "alice");

        assertThat(report.passed()).as(report.summary()).isTrue();
        assertThat(report.differences()).isEmpty();
        assertThat(report.steps()).extracting(DrillReport.Step::name).containsExactly("deploy baseline",
                "record baseline", "deploy candidate", "verify candidate", "roll back", "verify restored");
        assertThat(report.steps()).allMatch(s -> s.outcome() == DrillReport.Outcome.PASS);
        assertThat(report.baseline().fields()).containsEntry("release.version", "1.0")
                .containsEntry("deployment.images", "web=registry.example/shop/web:1.0")
                .containsEntry("deployment.replicas", "2").containsEntry("deployment.readyReplicas", "2")
                .containsKeys("deployment.podTemplateHash", "deployment.templateSha256");
        assertThat(report.after().fields()).isEqualTo(report.baseline().fields());
        assertThat(report.finalVersion()).isEqualTo("1.0");
        assertThat(apps.history("web")).extracting(Release::version).as("the candidate really rolled out")
                .contains("2.0");
        assertThat(cluster.image("web")).isEqualTo("registry.example/shop/web:1.0");
        assertThat(seen).filteredOn(e -> e.kind().equals(EventKinds.DRILL_FINISHED)).singleElement()
                .satisfies(e -> assertThat(e.message()).startsWith("drill PASSED"));
    }

    @Test
    void aScaleUpDuringTheCandidateIsNamedAsTheFieldTheRollbackDidNotRestore() {
        events.addListener(e -> {
            if (e.kind().equals(EventKinds.DRILL_STEP) && "verify candidate".equals(e.data().get("step"))) {
                cluster.client().apps().deployments().inNamespace("shop").withName("web").edit(d -> {
                    d.getSpec().setReplicas(3);
                    return d;
                });
            }
        });

        DrillReport report = drills.run(new DrillRequest("web", List.of("1.0", "2.0"), List.of(), null), "alice");

        assertThat(report.passed()).isFalse();
        assertThat(report.differences()).extracting(ObservedState.Difference::field)
                .contains("deployment.replicas").doesNotContain("release.version", "deployment.images",
                        "deployment.templateSha256");
        assertThat(report.differences()).filteredOn(d -> d.field().equals("deployment.replicas")).singleElement()
                .satisfies(d -> {
                    assertThat(d.baseline()).isEqualTo("2");
                    assertThat(d.after()).isEqualTo("3");
                });
        assertThat(report.summary()).startsWith("drill FAILED").contains("deployment.replicas");
        assertThat(cluster.image("web")).as("the rollback itself went through")
                .isEqualTo("registry.example/shop/web:1.0");
    }
}
