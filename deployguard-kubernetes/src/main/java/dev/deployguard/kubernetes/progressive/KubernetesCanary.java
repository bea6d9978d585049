package dev.deployguard.kubernetes.progressive;

import dev.deployguard.kubernetes.traffic.CanaryRoute;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Objects;

/**
 * A canary on Kubernetes: beside the app's (stable) Deployment, a {@code <deployment>-canary} Deployment with the
 * same template but the new image, and a {@code <service>-canary} Service. Pods carry {@code deployguard.dev/track:
 * stable|canary} and each Service selects one track with plain equality selectors, so the {@link CanaryRoute}
 * decides who gets what.
 *
 * <p>Promotion copies the canary's pod template into the stable Deployment: an ordinary template change, so the
 * Deployment controller makes a new ReplicaSet and revision (with the change-cause) as for any {@code kubectl set
 * image}; once it has rolled out the canary is retired. Abort puts the weight back to 0 first, then scales the
 * canary down.
 */
public final class KubernetesCanary {
    /** Progress of a step that may need the cluster to catch up; the caller asks again later when not DONE. */
    public enum Progress { DONE, WAITING_FOR_STABLE }

    /** The canary Deployment's annotation naming the image {@link #start(String, String, String)} gave it. */
    public static final String IMAGE = "deployguard.dev/canary-image";

    private final Workloads cluster;
    private final AppWorkload app;
    private final CanaryRoute route;
    private final int canaryReplicas;

    public KubernetesCanary(KubernetesClient client, AppWorkload app, CanaryRoute route, int canaryReplicas) {
        this.app = Objects.requireNonNull(app, "app");
        this.route = Objects.requireNonNull(route, "route");
        if (canaryReplicas < 1) {
            throw dev.deployguard.error.DeployGuardException.badInput("canary replicas must be at least 1, was "
                    + canaryReplicas);
        }
        this.canaryReplicas = canaryReplicas;
        this.cluster = new Workloads(client, app.namespace());
    }

    public String canaryDeployment() {
        return app.deployment() + "-canary";
    }

    public String canaryService() {
        return app.service() + "-canary";
    }

    /**
     * Starts (or restarts) the canary with {@code image} in {@code container} (null: the only container): the
     * canary Deployment and Service, then the route at weight 0. The first time, the stable pods are given the
     * track label by a rolling update of the same image, and the stable Service selects that label only once
     * they all carry it, so no request finds an empty Service; until then this answers WAITING_FOR_STABLE.
     */
    public Progress start(String container, String image, String changeCause) {
        Deployment stable = requireStable();
        return start(stable, Workloads.withImage(cluster.client(), stable.getSpec().getTemplate(), container, image,
                app.where()), changeCause, Map.of(IMAGE, image));
    }

    /**
     * Whether a {@code start} with this change-cause and these canary annotations ({@link #IMAGE} for an image,
     * the Helm version values) has done its work: the canary Deployment asks for its replicas with them and the
     * route is open. A caller that ticks asks this first, so a started canary is not written again.
     */
    public boolean started(String changeCause, Map<String, String> annotations) {
        Deployment d = canary();
        if (d == null || d.getSpec().getReplicas() == null || d.getSpec().getReplicas() < canaryReplicas) {
            return false;
        }
        Map<String, String> a = d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
        Map<String, String> wanted = Labels.with(annotations, Labels.CHANGE_CAUSE, changeCause);
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(a.get(e.getKey())))
                && route.weight().isPresent();
    }

    /** Whether the canary Deployment has rolled out its template: every replica updated and available. */
    public boolean ready() {
        Deployment d = canary();
        return d != null && Workloads.rolledOut(d);
    }

    /**
     * Why the canary Deployment does not serve now ({@link DeploymentReady}, Flagger's check on each analysis
     * iteration), or null when it does; asked while the rollout analyses it, after it was {@link #ready}.
     */
    public String notReady() {
        Deployment d = canary();
        return d == null ? "the canary deployment does not exist" : DeploymentReady.notReady(d);
    }

    /**
     * As {@link #start(String, String, String)}, with the canary's whole pod template given (a Helm chart rendered
     * with the new version's values: its image, environment and everything else the chart sets) and
     * {@code annotations} recorded on the canary Deployment beside the change-cause.
     */
    public Progress start(PodTemplateSpec template, String changeCause, Map<String, String> annotations) {
        return start(requireStable(), cluster.client().getKubernetesSerialization().clone(template), changeCause,
                annotations);
    }

    /** The canary Deployment as it is on the cluster, or null when there is none. */
    public Deployment canary() {
        return cluster.deployment(canaryDeployment());
    }

    private Deployment requireStable() {
        return cluster.requireDeployment(app.deployment(),
                "platform.kubernetes.deployment must name the app's running Deployment");
    }

    private Progress start(Deployment stable, PodTemplateSpec template, String changeCause,
                           Map<String, String> annotations) {
        Service service = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the app's pods");
        if (!Labels.STABLE.equals(labels(stable.getSpec().getTemplate()).get(Labels.TRACK))) {
            cluster.editDeployment(app.deployment(), "label the stable pods of " + app.where(), d -> {
                d.getSpec().getTemplate().getMetadata().setLabels(
                        Labels.with(labels(d.getSpec().getTemplate()), Labels.TRACK, Labels.STABLE));
                return d;
            });
            return Progress.WAITING_FOR_STABLE;
        }
        if (!Labels.STABLE.equals(selector(service).get(Labels.TRACK))) {
            if (!Workloads.rolledOut(stable)) {
                return Progress.WAITING_FOR_STABLE;
            }
            cluster.editService(app.service(), "select the stable track in Service " + app.namespace() + "/"
                    + app.service(), s -> {
                s.getSpec().setSelector(Labels.with(s.getSpec().getSelector(), Labels.TRACK, Labels.STABLE));
                return s;
            });
        }
        cluster.createOrUpdate(canaryServiceFor(service), s -> {
            s.getSpec().setSelector(canaryServiceFor(service).getSpec().getSelector());
            s.getSpec().setPorts(canaryServiceFor(service).getSpec().getPorts());
            return s;
        });
        Deployment canary = canaryDeploymentFor(stable, template, changeCause, annotations);
        cluster.createOrUpdate(canary, d -> {
            Map<String, String> a = Labels.with(d.getMetadata().getAnnotations(), Labels.CHANGE_CAUSE, changeCause);
            a.putAll(annotations);
            d.getMetadata().setAnnotations(a);
            d.getSpec().setReplicas(canaryReplicas);
            d.getSpec().setTemplate(canary.getSpec().getTemplate());
            return d;
        });
        route.open();
        return Progress.DONE;
    }

    /** Sends {@code basisPoints} of traffic to the canary. */
    public void setWeight(int basisPoints) {
        route.setWeight(basisPoints);
    }

    /**
     * Makes the canary's pod template the stable one (track label back to stable), recording {@code changeCause}
     * on the stable Deployment so its new revision says why. Traffic stays split until {@link #completePromotion}.
     */
    public void promote(String changeCause) {
        Deployment canary = cluster.requireDeployment(canaryDeployment(),
                "there is no canary to promote; start one first");
        cluster.editDeployment(app.deployment(), "promote the canary into " + app.where(), d -> {
            PodTemplateSpec t = cluster.client().getKubernetesSerialization().clone(canary.getSpec().getTemplate());
            t.getMetadata().setLabels(Labels.with(labels(t), Labels.TRACK, Labels.STABLE));
            d.getSpec().setTemplate(t);
            d.getMetadata().setAnnotations(Labels.with(d.getMetadata().getAnnotations(), Labels.CHANGE_CAUSE,
                    changeCause));
            return d;
        });
    }

    /**
     * After {@link #promote}: once the stable Deployment has rolled out the new template, all traffic goes to
     * stable and the canary is retired; until then answers WAITING_FOR_STABLE and changes nothing.
     */
    public Progress completePromotion() {
        Deployment stable = cluster.requireDeployment(app.deployment(), "the app's Deployment disappeared");
        if (!Workloads.rolledOut(stable)) {
            return Progress.WAITING_FOR_STABLE;
        }
        retire();
        return Progress.DONE;
    }

    /**
     * Whether the stable Deployment runs the canary's pod template, i.e. {@link #promote} happened for this canary;
     * a rollback then has to return the stable Deployment to its previous revision as well.
     */
    public boolean promoted() {
        Deployment canary = cluster.deployment(canaryDeployment());
        if (canary == null) {
            return false;
        }
        Deployment stable = cluster.requireDeployment(app.deployment(), "the app's Deployment disappeared");
        PodTemplateSpec t = cluster.client().getKubernetesSerialization().clone(canary.getSpec().getTemplate());
        t.getMetadata().setLabels(Labels.with(labels(t), Labels.TRACK, Labels.STABLE));
        return t.equals(stable.getSpec().getTemplate());
    }

    public AppWorkload workload() {
        return app;
    }

    /** Abandons the canary: weight 0 at once (one update), then the canary scaled to 0 and its route removed. */
    public void abort() {
        retire();
    }

    private void retire() {
        if (route.weight().isPresent()) {
            route.setWeight(0);
        }
        cluster.scale(canaryDeployment(), 0, "scale the canary " + app.namespace() + "/" + canaryDeployment()
                + " to 0");
        route.close();
    }

    private Deployment canaryDeploymentFor(Deployment stable, PodTemplateSpec template, String changeCause,
                                           Map<String, String> annotations) {
        Deployment canary = cluster.client().getKubernetesSerialization().clone(stable);
        template.getMetadata().setLabels(Labels.with(labels(template), Labels.TRACK, Labels.CANARY));
        Map<String, String> a = Labels.with(annotations, Labels.CHANGE_CAUSE, changeCause);
        return new DeploymentBuilder(canary)
                .withMetadata(new ObjectMetaBuilder().withName(canaryDeployment()).withNamespace(app.namespace())
                        .withLabels(Labels.with(stable.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .withAnnotations(a)
                        .build())
                .editSpec()
                .withReplicas(canaryReplicas)
                .editSelector()
                .withMatchLabels(Labels.with(stable.getSpec().getSelector().getMatchLabels(), Labels.TRACK,
                        Labels.CANARY))
                .endSelector()
                .withTemplate(template)
                .endSpec()
                .withStatus(null)
                .build();
    }

    private Service canaryServiceFor(Service stable) {
        return new ServiceBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(canaryService()).withNamespace(app.namespace())
                        .withLabels(Labels.with(stable.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .build())
                .withNewSpec()
                .withSelector(Labels.with(stable.getSpec().getSelector(), Labels.TRACK, Labels.CANARY))
                .withPorts(stable.getSpec().getPorts().stream().map(KubernetesCanary::portOf).toList())
                .endSpec()
                .build();
    }

    private static ServicePort portOf(ServicePort p) {
        return new ServicePortBuilder().withName(p.getName()).withPort(p.getPort()).withTargetPort(p.getTargetPort())
                .withProtocol(p.getProtocol()).withAppProtocol(p.getAppProtocol()).build();
    }

    private static Map<String, String> labels(PodTemplateSpec t) {
        return t.getMetadata() == null || t.getMetadata().getLabels() == null ? Map.of() : t.getMetadata().getLabels();
    }

    private static Map<String, String> selector(Service s) {
        return s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector();
    }
}
