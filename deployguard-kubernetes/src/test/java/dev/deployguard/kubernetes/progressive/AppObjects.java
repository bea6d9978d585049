package dev.deployguard.kubernetes.progressive;

import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.HelmUpgrade;
import dev.deployguard.kubernetes.helm.ReadinessWaiter;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Test support: an app as a user would have it in namespace {@code shop} (Deployment {@code web} with three
 * replicas of {@code shop/web:v1}, Service {@code web}, Ingress {@code web}), and the Deployment controller's one
 * visible effect here: marking a Deployment rolled out (the mock runs no controllers).
 */
public final class AppObjects {
    public static final String NS = "shop";
    private final KubernetesClient client;

    public AppObjects(KubernetesClient client) {
        this.client = client;
    }

    public Deployment deployment() {
        return client.resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).withLabels(Map.of("app", "web"))
                .withAnnotations(Map.of("team.example/owner", "payments")).endMetadata()
                .withNewSpec().withReplicas(3)
                .withNewSelector().withMatchLabels(Map.of("app", "web")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("shop/web:v1")
                .addNewPort().withContainerPort(8080).endPort().endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    /**
     * Deployment {@code web} as the CLI and drill tests have it: two replicas of
     * {@code registry.example/shop/web:1.0} with {@code env}, its change-cause {@code initial}.
     */
    public Deployment registryDeployment(EnvVar... env) {
        return client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace(NS)
                .addToAnnotations("kubernetes.io/change-cause", "initial").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example/shop/web:1.0")
                .addToEnv(env)
                .endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    /** Installs {@code chart} with its default values as Helm release {@code web}; returns the release's storage. */
    public HelmReleaseStorage helmRelease(Path chart) {
        HelmReleaseStorage storage = new HelmReleaseStorage(client, NS, Clock.systemUTC());
        new HelmUpgrade(storage, new ChartRenderer(), ReadinessWaiter.none(), Duration.ofSeconds(5))
                .upgrade("web", chart, List.of(), false);
        return storage;
    }

    public Service service() {
        return client.resource(new ServiceBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec().withSelector(Map.of("app", "web"))
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString(8080))
                .withProtocol("TCP").endPort()
                .endSpec().build()).create();
    }

    public void ingress() {
        client.resource(new IngressBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().withHost("shop.example").withNewHttp()
                .addNewPath().withPath("/").withPathType("Prefix")
                .withNewBackend().withNewService().withName("web").withNewPort().withNumber(80).endPort().endService()
                .endBackend().endPath().endHttp().endRule().endSpec().build()).create();
    }

    public Deployment get(String name) {
        return client.apps().deployments().inNamespace(NS).withName(name).get();
    }

    public Service getService(String name) {
        return client.services().inNamespace(NS).withName(name).get();
    }

    /** What the Deployment controller reports once every replica runs the current template and is available. */
    public void rolledOut(String name) {
        Deployment d = get(name);
        int replicas = d.getSpec().getReplicas();
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withAvailableReplicas(replicas)
                .withReadyReplicas(replicas).build());
        client.resource(d).updateStatus();
    }
}
