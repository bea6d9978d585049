package dev.deployguard.kubernetes.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.kubernetes.client.KubeClients;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The history/rollback scenario against a real cluster (kind, minikube, ...), with the real Deployment controller
 * instead of the simulator. Opt-in: runs only when {@code -Ddeployguard.realCluster=CONTEXT} names the kubeconfig
 * context to use (a set {@code KUBECONFIG} alone is no consent: it may name a production cluster); it creates and
 * deletes a namespace {@code deployguard-it-*} in that context. See the README, "Running against a real cluster".
 */
@EnabledIfSystemProperty(named = RealClusterIT.CONTEXT_PROPERTY, matches = ".+",
        disabledReason = "-Ddeployguard.realCluster=CONTEXT not given: the real-cluster suite runs only in the "
                + "kubeconfig context you name (kind/minikube), see README")
class RealClusterIT {
    static final String CONTEXT_PROPERTY = "deployguard.realCluster";
    private static final String NAME = "web";
    private static final String IMAGE = "registry.k8s.io/pause:";
    private final String ns = "deployguard-it-" + UUID.randomUUID().toString().substring(0, 8);
    private KubernetesClient client;

    @BeforeEach
    void start() {
        client = KubeClients.open(new KubernetesSpec(ns, System.getProperty(CONTEXT_PROPERTY), null, null, null, null, null, null,
                Duration.ofMinutes(5)));
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                .withNewMetadata().withName(NAME).addToAnnotations(Annotations.CHANGE_CAUSE, "deploy 3.9")
                .endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", NAME)
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", NAME).endMetadata()
                .withNewSpec().addNewContainer().withName(NAME).withImage(IMAGE + "3.9").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        await();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.namespaces().withName(ns).delete();
            client.close();
        }
    }

    @Test
    void historyAndRollbackWithTheRealController() {
        new DeploymentUpdate(client).setImage(ns, NAME, null, IMAGE + "3.10", "deploy 3.10", "it");
        await();
        DeploymentHistory history = new DeploymentHistory(client);
        assertThat(rows(history)).containsExactly("1 deploy 3.9", "2 deploy 3.10");

        RollbackResult r = new DeploymentRollback(client).rollback(ns, NAME, null, "it", "real-cluster test");
        await();
        assertThat(r.toRevision()).isEqualTo(1);
        assertThat(rows(history)).containsExactly("2 deploy 3.10",
                "3 rollback to revision 1 (deploy 3.9): real-cluster test");

        new DeploymentRollback(client).rollback(ns, NAME, 2L, "it", null);
        await();
        assertThat(rows(history)).containsExactly("3 rollback to revision 1 (deploy 3.9): real-cluster test",
                "4 rollback to revision 2 (deploy 3.10)");
        assertThat(new DeploymentRollback(client).rollback(ns, NAME, 4L, "it", null).skipped()).isTrue();
    }

    private void await() {
        RolloutStatus s = RolloutWaiter.realTime(client).await(ns, NAME, Duration.ofMinutes(3), line -> { });
        assertThat(s.state()).as(s.message()).isEqualTo(RolloutStatus.State.COMPLETE);
    }

    private List<String> rows(DeploymentHistory history) {
        return history.list(ns, NAME).stream().map(x -> x.number() + " " + x.changeCauseOrNone()).toList();
    }
}
