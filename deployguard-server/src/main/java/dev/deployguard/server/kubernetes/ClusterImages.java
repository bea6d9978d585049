package dev.deployguard.server.kubernetes;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.kubernetes.deployment.ImagePullSecrets;
import dev.deployguard.kubernetes.prepull.PrePull;
import dev.deployguard.kubernetes.prepull.PrePullDaemonSet;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.supplychain.deploy.ImageGate;
import dev.deployguard.supplychain.registry.DockerConfig;
import dev.deployguard.supplychain.registry.PullSecrets;
import dev.deployguard.supplychain.registry.RegistryClient;
import dev.deployguard.supplychain.registry.RegistryCredentials;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The images of a Kubernetes deploy on the cluster's side: the registry credentials the kubelet will pull with (the
 * pods' pull Secrets) for the image gate, and the pre-pull DaemonSet ({@code platform.kubernetes.prePull}) that puts
 * the new image and keeps the rollback image on every node before anything moves.
 */
final class ClusterImages {
    private final EventLog events;
    private final Clock clock;
    private final Duration pollEvery;

    ClusterImages(EventLog events, Clock clock, Duration pollEvery) {
        this.events = events;
        this.clock = clock;
        this.pollEvery = pollEvery;
    }

    /**
     * The image gate of a deploy: credentials from the pull Secrets of the Deployment's pods (as the kubelet will
     * pull), then the control plane's Docker config; {@code standard} when there are none.
     */
    static ImageGate gateFor(KubernetesClient client, String namespace, Deployment d, ImageGate standard) {
        if (d == null) {
            return standard;
        }
        PullSecrets secrets = new PullSecrets(ImagePullSecrets.of(client, namespace,
                d.getSpec().getTemplate().getSpec()).stream()
                .map(f -> new PullSecrets.Secret(f.name(), f.type(), f.content())).toList());
        if (secrets.isEmpty()) {
            return standard;
        }
        RegistryCredentials credentials = secrets.then(DockerConfig.fromEnvironment());
        return new ImageGate(image -> new RegistryClient(image.timeout(), image::plainHttp, credentials));
    }

    /**
     * With {@code platform.kubernetes.prePull}: the new image on every node that may run the app, and the serving
     * image kept there, before anything moves (refused, exit 3, when the timeout passes first). Nothing to do
     * without a Deployment (the update that follows says why).
     */
    void prePull(KubernetesClient client, String app, KubernetesSpec spec, Deployment before, String image,
                 String actor) {
        KubernetesSpec.PrePull p = spec.prePull();
        if (!p.enabled() || image == null || before == null) {
            return;
        }
        var pod = before.getSpec().getTemplate().getSpec();
        prePull(client, app, spec, pod, image(pod, spec.container()), image, actor);
    }

    /** The image of the container named {@code container} (null: the first), or null. */
    static String image(io.fabric8.kubernetes.api.model.PodSpec pod, String container) {
        return pod.getContainers().stream()
                .filter(c -> container == null || container.equals(c.getName()))
                .map(Container::getImage).findFirst().orElse(null);
    }

    /**
     * As above, with the placement of the pods that will run {@code image} ({@code pod}: node selector, affinity,
     * tolerations, pull Secrets) and the image serving now ({@code serving}, null when none) given apart: a Helm
     * release's next pod template comes from its chart, its serving image from the live Deployment.
     */
    void prePull(KubernetesClient client, String app, KubernetesSpec spec, io.fabric8.kubernetes.api.model.PodSpec pod,
                 String serving, String image, String actor) {
        KubernetesSpec.PrePull p = spec.prePull();
        if (!p.enabled() || image == null) {
            return;
        }
        try {
            var done = new PrePull(client, clock, d -> Thread.sleep(d.toMillis()), pollEvery).warm(
                    spec.namespace(), app, pod, image, serving, p.helperImage(), p.timeout(),
                    line -> events.record(app, null, actor, EventKinds.KUBERNETES_PREPULL, line));
            events.record(app, null, actor, EventKinds.KUBERNETES_PREPULL, "daemon set " + spec.namespace() + "/"
                    + PrePullDaemonSet.name(app) + " holds " + image + (serving == null || serving.equals(image)
                    ? "" : " and the rollback image " + serving) + " on " + done.ready() + " node(s)",
                    Map.of("image", image, "nodes", done.ready()));
        } catch (DeployGuardException e) {
            events.record(app, null, actor, EventKinds.DEPLOY_FAILED, e.getMessage());
            throw e;
        }
    }
}
