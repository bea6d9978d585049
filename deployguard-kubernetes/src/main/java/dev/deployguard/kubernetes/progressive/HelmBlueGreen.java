package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.helm.HelmUpgrade;
import dev.deployguard.kubernetes.helm.ReadinessWaiter;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Blue/green of a Helm release. The chart's Deployment keeps serving; the new version (the chart rendered with its
 * values) runs in a slot Deployment {@code <deployment>-preview} behind {@code <service>-preview}. Pods are told
 * apart by {@code deployguard.dev/track}: {@code stable} on the chart's Deployment (added the first time by a
 * rolling update of the same release, as for a canary), {@code preview} on the slot.
 *
 * <p>Promotion is one update of the release's Service selector ({@code track: preview}): users reach only the new
 * pods, and the chart's Deployment stays warm, so an abort during the bake is one update back. Finishing writes
 * the Helm upgrade as a plain deploy writes it ({@link dev.deployguard.kubernetes.helm.HelmUpgrade#asHelmWould}:
 * Helm's own library, hooks included, for a chart that needs the cluster; a new revision described by the
 * change-cause; the upgrade keeps the selector on the slot, by Helm's three-way merge or {@link
 * HelmChartRelease#KEEP_DEPLOYGUARD_LABELS}), waits until the chart's Deployment has rolled the new version out,
 * and only then points the selector back at {@code track: stable} (now the new pods) and scales the slot to 0.
 * Users never see an old pod after promotion.
 */
public final class HelmBlueGreen {
    /** The slot's track label value. */
    public static final String PREVIEW = "preview";

    /** Progress of a step that waits on the cluster. */
    public enum Progress { DONE, WAITING }

    private final Workloads cluster;
    private final AppWorkload app;
    private final HelmReleaseStorage storage;
    private final ChartRenderer renderer;
    private final HelmChartRelease release;
    private final Duration timeout;
    private final Supplier<String> kubeconfig;

    /**
     * @param kubeconfig the kubeconfig text for Helm's own library, asked for only when the chart needs the cluster
     *                   ({@link HelmUpgrade#asHelmWould}); it holds credentials: kept in memory, never logged
     */
    public HelmBlueGreen(KubernetesClient client, AppWorkload app, HelmReleaseStorage storage, ChartRenderer renderer,
                         HelmChartRelease release, Duration timeout, Supplier<String> kubeconfig) {
        this.kubeconfig = Objects.requireNonNull(kubeconfig, "kubeconfig");
        this.app = Objects.requireNonNull(app, "app");
        this.cluster = new Workloads(client, app.namespace());
        this.storage = Objects.requireNonNull(storage, "storage");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.release = Objects.requireNonNull(release, "release");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public String slotDeployment() {
        return app.deployment() + "-" + PREVIEW;
    }

    public String previewService() {
        return app.service() + "-preview";
    }

    /**
     * Starts the slot with {@code template} at the chart Deployment's replica count and points the preview Service
     * at it; {@code annotations} go on the slot Deployment. WAITING while the chart's pods are first given the
     * stable track (call again); users stay on the chart's Deployment throughout.
     */
    public Progress deploy(PodTemplateSpec template, String changeCause, Map<String, String> annotations) {
        Deployment stable = cluster.requireDeployment(app.deployment(), "the Helm release's Deployment is missing");
        Service service = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the release's pods");
        if (!Labels.STABLE.equals(templateLabels(stable.getSpec().getTemplate()).get(Labels.TRACK))) {
            cluster.editDeployment(app.deployment(), "label the stable pods of " + app.where(), d -> {
                d.getSpec().getTemplate().getMetadata().setLabels(
                        Labels.with(templateLabels(d.getSpec().getTemplate()), Labels.TRACK, Labels.STABLE));
                return d;
            });
            return Progress.WAITING;
        }
        if (selector(service).get(Labels.TRACK) == null) {
            if (!Workloads.rolledOut(stable)) {
                return Progress.WAITING;
            }
            cluster.editService(app.service(), "select the stable track in Service " + app.namespace() + "/"
                    + app.service(), s -> {
                s.getSpec().setSelector(Labels.with(s.getSpec().getSelector(), Labels.TRACK, Labels.STABLE));
                return s;
            });
        } else if (!Labels.STABLE.equals(selector(service).get(Labels.TRACK))) {
            throw new DeployGuardException(ExitCode.BUSY, "Service " + app.namespace() + "/" + app.service()
                    + " selects track " + selector(service).get(Labels.TRACK) + ", not stable: a blue/green rollout"
                    + " of this release is still switching over; wait for it or abort it first");
        }
        PodTemplateSpec t = cluster.client().getKubernetesSerialization().clone(template);
        t.getMetadata().setLabels(Labels.with(templateLabels(t), Labels.TRACK, PREVIEW));
        Map<String, String> a = Labels.with(annotations, Labels.CHANGE_CAUSE, changeCause);
        Deployment slot = new DeploymentBuilder(cluster.client().getKubernetesSerialization().clone(stable))
                .withMetadata(new ObjectMetaBuilder().withName(slotDeployment()).withNamespace(app.namespace())
                        .withLabels(Labels.with(stable.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .withAnnotations(a).build())
                .editSpec()
                .editSelector()
                .withMatchLabels(Labels.with(stable.getSpec().getSelector().getMatchLabels(), Labels.TRACK, PREVIEW))
                .endSelector()
                .withTemplate(t)
                .endSpec()
                .withStatus(null)
                .build();
        cluster.createOrUpdate(slot, d -> {
            Map<String, String> merged = Labels.with(d.getMetadata().getAnnotations(), Labels.CHANGE_CAUSE,
                    changeCause);
            merged.putAll(annotations);
            d.getMetadata().setAnnotations(merged);
            d.getSpec().setReplicas(slot.getSpec().getReplicas());
            d.getSpec().setTemplate(t);
            return d;
        });
        Map<String, String> previewSelector = Labels.with(selector(service), Labels.TRACK, PREVIEW);
        Service preview = new ServiceBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(previewService()).withNamespace(app.namespace())
                        .withLabels(Labels.with(service.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .build())
                .withNewSpec()
                .withSelector(previewSelector)
                .withPorts(service.getSpec().getPorts().stream().map(p -> new ServicePortBuilder()
                        .withName(p.getName()).withPort(p.getPort()).withTargetPort(p.getTargetPort())
                        .withProtocol(p.getProtocol()).build()).toList())
                .endSpec()
                .build();
        cluster.createOrUpdate(preview, s -> {
            s.getSpec().setSelector(previewSelector);
            s.getSpec().setPorts(preview.getSpec().getPorts());
            return s;
        });
        return Progress.DONE;
    }

    /**
     * Whether a {@link #deploy} with this change-cause and these annotations has done its work: the slot asks for
     * pods with them and the preview Service selects it. A caller that ticks asks this first, so the slot is
     * written once.
     */
    public boolean started(String changeCause, Map<String, String> annotations) {
        Deployment d = cluster.deployment(slotDeployment());
        Service preview = cluster.service(previewService());
        if (d == null || preview == null || d.getSpec().getReplicas() == null || d.getSpec().getReplicas() == 0
                || !PREVIEW.equals(selector(preview).get(Labels.TRACK))) {
            return false;
        }
        Map<String, String> a = d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
        return Labels.with(annotations, Labels.CHANGE_CAUSE, changeCause).entrySet().stream()
                .allMatch(e -> e.getValue().equals(a.get(e.getKey())));
    }

    /** True when the slot has rolled out completely. */
    public boolean ready() {
        Deployment d = cluster.deployment(slotDeployment());
        return d != null && Workloads.rolledOut(d);
    }

    /** True when the release's Service sends users to the slot. */
    public boolean promoted() {
        return PREVIEW.equals(selector(cluster.requireService(app.service(), "it disappeared")).get(Labels.TRACK));
    }

    /** All users to the slot: one update of the Service's selector. Refused when the slot has no pods. */
    public void promote() {
        Deployment d = cluster.requireDeployment(slotDeployment(), "deploy a new version first");
        if (d.getSpec().getReplicas() != null && d.getSpec().getReplicas() == 0) {
            throw new DeployGuardException(ExitCode.FAILURE, "the slot " + app.namespace() + "/" + slotDeployment()
                    + " is scaled to 0: switching to it would leave the Service without pods; deploy again instead");
        }
        select(PREVIEW);
    }

    /**
     * Abort: users back on the chart's (warm) Deployment at once when they had been switched, then the slot scaled
     * to 0. The Helm release is not written.
     */
    public void abort() {
        if (promoted()) {
            select(Labels.STABLE);
        }
        cluster.scale(slotDeployment(), 0, "scale the aborted slot " + app.namespace() + "/" + slotDeployment()
                + " to 0");
    }

    /**
     * After the bake: the Helm upgrade to the slot's version ({@code revision} and later count as written, so a
     * repeated call writes it once), then, once the chart's Deployment has rolled it out, users back on the chart's
     * Deployment and the slot scaled to 0. WAITING until then.
     */
    public Progress finish(int revision, String changeCause) {
        if (!upgraded(revision)) {
            Deployment slot = cluster.requireDeployment(slotDeployment(), "the slot disappeared; abort and deploy"
                    + " again");
            String values = slot.getMetadata().getAnnotations() == null ? null
                    : slot.getMetadata().getAnnotations().get(HelmChartRelease.VERSION_VALUES);
            if (values == null) {
                throw new DeployGuardException(ExitCode.FAILURE, "Deployment " + app.namespace() + "/"
                        + slotDeployment() + " lost its " + HelmChartRelease.VERSION_VALUES + " annotation; abort"
                        + " the rollout and deploy again");
            }
            // As a plain deploy upgrades the release (Helm's own library for a chart that needs the cluster), with
            // helm upgrade --description.
            release.withVersion(values, files -> new HelmUpgrade(storage, renderer, ReadinessWaiter.none(), timeout)
                    .keeping(HelmChartRelease.KEEP_DEPLOYGUARD_LABELS).asHelmWould(release.chart(), kubeconfig)
                    .describedAs(changeCause).upgrade(release.release(), release.chart(), files, false));
            return Progress.WAITING;
        }
        if (!Workloads.rolledOut(cluster.requireDeployment(app.deployment(), "the release's Deployment is gone"))) {
            return Progress.WAITING;
        }
        select(Labels.STABLE);
        cluster.scale(slotDeployment(), 0, "retire the slot " + app.namespace() + "/" + slotDeployment());
        return Progress.DONE;
    }

    private boolean upgraded(int revision) {
        return storage.history(release.release()).stream().anyMatch(r -> r.version() >= revision);
    }

    private void select(String track) {
        cluster.editService(app.service(), "switch Service " + app.namespace() + "/" + app.service() + " to track "
                + track, s -> {
            s.getSpec().setSelector(Labels.with(s.getSpec().getSelector(), Labels.TRACK, track));
            return s;
        });
    }

    private static Map<String, String> templateLabels(PodTemplateSpec t) {
        return t.getMetadata() == null || t.getMetadata().getLabels() == null ? Map.of() : t.getMetadata().getLabels();
    }

    private static Map<String, String> selector(Service s) {
        return s.getSpec() == null || s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector();
    }
}
