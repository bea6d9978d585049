package dev.deployguard.kubernetes.deployment;

import dev.deployguard.kubernetes.testing.ClusterSimulator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Test fixtures: a Deployment "web" in namespace "shop" taken through several revisions, as a team would. */
final class Apps {
    static final String NS = "shop";
    static final String NAME = "web";

    private Apps() {
    }

    static Deployment web(String image, String cause) {
        return new DeploymentBuilder().withNewMetadata().withName(NAME).withNamespace(NS)
                .addToAnnotations(Annotations.CHANGE_CAUSE, cause).endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", NAME).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", NAME).endMetadata()
                .withNewSpec().addNewContainer().withName(NAME).withImage(image).endContainer()
                .addNewContainer().withName("sidecar").withImage("envoy:1.30").endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    /** Namespace shop, Deployment web at revisions 1..versions (images nginx:1.N, causes "deploy vN"), settled. */
    static void withRevisions(KubernetesClient client, ClusterSimulator simulator, int versions) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        client.apps().deployments().inNamespace(NS).resource(web("nginx:1.1", "deploy v1")).create();
        simulator.settle(10);
        DeploymentUpdate update = new DeploymentUpdate(client);
        for (int v = 2; v <= versions; v++) {
            update.setImage(NS, NAME, NAME, "nginx:1." + v, "deploy v" + v, "alice");
            simulator.settle(10);
        }
    }

    static String image(KubernetesClient client) {
        return client.apps().deployments().inNamespace(NS).withName(NAME).get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage();
    }
}
