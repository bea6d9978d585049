package dev.deployguard.server.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.check.CheckResult;
import dev.deployguard.check.CheckStatus;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An app on Kubernetes gets the cluster checks, judged by its Deployment as the (mock) API server has it. */
@EnableKubernetesMockClient(crud = true)
class ChecklistFactoryClusterTest {
    private static final AppSpec APP = new AppSpec("web", null, new Strategy.Replace(), null, null,
            new KubernetesSpec("shop", null, null, null, null, null, null, null, Duration.ofMinutes(5)), null, null);
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    @BeforeEach
    void cluster() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata()
                .withNewStatus().withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                        .build()).withAllocatable(Map.of("memory", new Quantity("4Gi"))).endStatus().build()).create();
        client.pods().inNamespace("shop").resource(new PodBuilder()
                .withNewMetadata().withNamespace("shop").withName("web-1").withLabels(Map.of("app", "web"))
                .endMetadata()
                .withNewSpec().withNodeName("node-a").addNewContainer().withName("web").withImage("web:1")
                .withNewResources().withRequests(Map.of("memory", new Quantity("1Gi"))).endResources()
                .endContainer().endSpec()
                .withNewStatus().withPhase("Running").withContainerStatuses(new ContainerStatusBuilder()
                        .withName("web").withReady(true).withNewState().withNewRunning().endRunning().endState()
                        .build()).endStatus().build()).create();
    }

    private void deployment() {
        client.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder()
                .withNewMetadata().withNamespace("shop").withName("web").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(Map.of("app", "web")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("web:1")
                .withNewResources().withRequests(Map.of("memory", new Quantity("1Gi"))).endResources()
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    private ChecklistReport run() {
        return new ChecklistFactory(dir, Map.of(), Clock.systemUTC(), spec -> server.createClient())
                .run(APP, "1.0");
    }

    private static CheckResult result(ChecklistReport report, String name) {
        return report.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theClusterChecksJudgeTheAppsDeployment() {
        deployment();

        ChecklistReport report = run();

        assertThat(report.results()).extracting(CheckResult::name)
                .containsExactly("cluster.health", "cluster.pods", "cluster.capacity", "gitops.owner");
        assertThat(report.results()).as(report.results().toString()).extracting(CheckResult::status)
                .containsOnly(CheckStatus.PASS);
        assertThat(result(report, "cluster.capacity").evidence()).contains("2");
        assertThat(report.ready()).isTrue();
    }

    @Test
    void withoutADeploymentYetPodsAndCapacityAreSkippedWithTheReason() {
        ChecklistReport report = run();

        assertThat(result(report, "cluster.health").status()).isEqualTo(CheckStatus.PASS);
        CheckResult pods = result(report, "cluster.pods");
        assertThat(pods.status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(pods.evidence()).isEqualTo("Deployment shop/web does not exist yet (a first deploy): nothing to"
                + " judge it by");
        assertThat(result(report, "cluster.capacity").status()).isEqualTo(CheckStatus.SKIPPED);
    }

    @Test
    void aClusterThatCannotBeReachedMakesEveryClusterCheckCannotTell() {
        ChecklistReport report = new ChecklistFactory(dir, Map.of(), Clock.systemUTC(), spec -> {
            throw DeployGuardException.badInput("cannot read the kubeconfig /nowhere/config (NoSuchFileException)");
        }).run(APP, "1.0");

        assertThat(report.results()).extracting(CheckResult::status).containsOnly(CheckStatus.ERROR);
        assertThat(report.results().get(0).evidence()).isEqualTo("cannot reach the cluster: cannot read the"
                + " kubeconfig /nowhere/config (NoSuchFileException)");
        assertThat(report.results().get(0).remedy()).contains("apps.web.platform.kubernetes");
    }

    @Test
    void withPrePullTheRollbackImageIsCountedOnTheNodesThatMayRunTheApp() {
        deployment();
        AppSpec prePull = new AppSpec("web", null, new Strategy.Replace(), null, null,
                new KubernetesSpec("shop", null, null, null, null, null, null, null, Duration.ofMinutes(5),
                        new KubernetesSpec.PrePull(true, Duration.ofMinutes(5), "busybox:1.36.1")), null, null);

        ChecklistReport report = new ChecklistFactory(dir, Map.of(), Clock.systemUTC(), spec -> server.createClient())
                .run(prePull, "1.0");

        CheckResult r = result(report, "cluster.rollback-image");
        assertThat(r.status()).isEqualTo(CheckStatus.WARN);
        assertThat(r.evidence()).isEqualTo("rollback target web:1 present on 0/1 node(s); missing on node-a");
        assertThat(run().results()).extracting(CheckResult::name).doesNotContain("cluster.rollback-image");
    }
}
