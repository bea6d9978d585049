package dev.deployguard.kubernetes.gitops;

import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.testing.SimulatedClock;
import dev.deployguard.testing.gitops.FakeGitOpsController;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;

/**
 * Test fixture: namespace shop with Deployment web (3 replicas, image shop/web:v1), a fake git repository with
 * commits aaa… (v1), bbb… (v2, HEAD), the Deployment controller and the fake GitOps controller. {@link #pause()}
 * is the waiters' pause: it advances simulated time and lets both controllers take one step — no sleeping.
 */
final class GitOpsFixture implements AutoCloseable {
    static final String NS = "shop";
    static final String WEB = "web";
    static final String V1 = "a".repeat(40);
    static final String V2 = "b".repeat(40);
    static final FakeGitOpsController.Target TARGET = new FakeGitOpsController.Target(NS, WEB, WEB);

    final MockCluster cluster = MockCluster.start();
    final KubernetesClient client = cluster.client();
    final SimulatedClock clock = new SimulatedClock(Instant.parse("2026-03-01T10:00:00Z"));
    final ClusterSimulator deployments = new ClusterSimulator(client);
    final FakeGitOpsController gitops = new FakeGitOpsController(client, clock);

    GitOpsFixture() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("argocd").endMetadata()
                .build()).create();
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata().withName(WEB)
                .withNamespace(NS).endMetadata().withNewSpec().withReplicas(3).withNewSelector()
                .addToMatchLabels("app", WEB).endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", WEB).endMetadata().withNewSpec().addNewContainer().withName(WEB)
                .withImage("shop/web:v1").endContainer().endSpec().endTemplate().endSpec().build()).create();
        deployments.settle(10);
        gitops.commit(V1, new FakeGitOpsController.Manifest("shop/web:v1", 3));
    }

    /** Argo CD Application argocd/shop that synced v1 then v2 (history ids 0 and 1). */
    void argoSyncedTwice(boolean automated, boolean selfHeal) {
        gitops.argoApplication("argocd", "shop", TARGET, automated, selfHeal);
        if (!automated) {
            sync(V1);
        } else {
            gitops.step();
        }
        gitops.commit(V2, new FakeGitOpsController.Manifest("shop/web:v2", 3));
        if (!automated) {
            sync(V2);
        } else {
            gitops.step();
        }
        deployments.settle(10);
    }

    void sync(String revision) {
        client.genericKubernetesResources(FakeGitOpsController.APPLICATIONS).inNamespace("argocd").withName("shop")
                .edit(a -> {
                    a.getAdditionalProperties().put("operation", java.util.Map.of("sync", java.util.Map.of(
                            "revision", revision, "source", java.util.Map.of("repoURL", "https://git.example/x",
                                    "path", "apps/shop", "targetRevision", "HEAD")),
                            "initiatedBy", java.util.Map.of("username", "ci")));
                    return a;
                });
        gitops.step();
    }

    RolloutWaiter.Pause pause() {
        return d -> {
            clock.advance(d);
            gitops.step();
            deployments.step();
        };
    }

    String image() {
        return client.apps().deployments().inNamespace(NS).withName(WEB).get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage();
    }

    static Duration second() {
        return Duration.ofSeconds(1);
    }

    @Override
    public void close() {
        cluster.close();
    }
}
