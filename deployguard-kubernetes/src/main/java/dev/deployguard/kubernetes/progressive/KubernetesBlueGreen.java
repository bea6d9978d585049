package dev.deployguard.kubernetes.progressive;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.traffic.ClusterCalls;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Blue/green on Kubernetes: two Deployments, {@code <deployment>-blue} and {@code <deployment>-green}, whose pods
 * carry {@code deployguard.dev/slot}. The app's Service selects the live slot; {@code <service>-preview} selects
 * the new one, so it can be tested before it gets users. Promotion and abort are one Service update each (the
 * selector's slot), so switching back is instant while the old slot stays warm; the old slot is scaled down only
 * when asked ({@link #scaleDownIdle}, after the strategy's scaleDownDelay).
 *
 * <p>The first time, the app's own Deployment is copied unchanged into the blue slot and the Service is switched to
 * blue once it has rolled out (the pods are the same release, so users see no change); only then does a new
 * release go to green. Without this step the new pods would match the Service's original selector and get users
 * before promotion. From then on the app's own Deployment gets no traffic and may be scaled to 0.
 */
public final class KubernetesBlueGreen {
    private static final String POD_TEMPLATE_HASH = "pod-template-hash";
    /** The two slots. */
    public enum Slot {
        BLUE, GREEN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public Slot other() {
            return this == BLUE ? GREEN : BLUE;
        }

        public static Optional<Slot> of(String label) {
            for (Slot s : values()) {
                if (s.label().equals(label)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    private final Workloads cluster;
    private final AppWorkload app;

    public KubernetesBlueGreen(KubernetesClient client, AppWorkload app) {
        this.app = Objects.requireNonNull(app, "app");
        this.cluster = new Workloads(client, app.namespace());
    }

    public String slotDeployment(Slot slot) {
        return app.deployment() + "-" + slot.label();
    }

    public String previewService() {
        return app.service() + "-preview";
    }

    /** The slot the app's Service sends users to, if it selects one yet. */
    public Optional<Slot> live() {
        Service s = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the app's pods");
        return Slot.of(selector(s).get(Labels.SLOT));
    }

    /**
     * Starts {@code image} in the slot that is not live, at the live slot's replica count, and points the preview
     * Service at it. Users still reach the live slot. Returns the new slot, or empty while the app is still being
     * moved into its first slot (see the class comment: blue must roll out before green starts); then call again.
     */
    public Optional<Slot> deploy(String container, String image, String changeCause) {
        return deploy(container, image, changeCause, null);
    }

    /**
     * {@link #deploy(String, String, String)} that also records on each slot it writes which of the app's
     * revisions the slot runs ({@code stamp}; null records nothing), so status and history can name them.
     */
    public Optional<Slot> deploy(String container, String image, String changeCause, Stamp stamp) {
        Service service = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the app's pods");
        Optional<Slot> live = Slot.of(selector(service).get(Labels.SLOT));
        if (live.isEmpty()) {
            Deployment own = cluster.requireDeployment(app.deployment(),
                    "platform.kubernetes.deployment must name the app's running Deployment");
            writeSlot(own, Slot.BLUE, own.getSpec().getTemplate(), "adopted into blue/green slot blue",
                    stamp == null ? null : stamp.serving(), stamp == null ? null : stamp.actor(), null);
            if (!ready(Slot.BLUE)) {
                return Optional.empty();
            }
            service = switchTo(Slot.BLUE);
            live = Optional.of(Slot.BLUE);
        }
        Deployment base = cluster.requireDeployment(slotDeployment(live.get()), "the Service selects slot "
                + live.get().label() + " but its Deployment is gone; restore it or remove the slot from the selector");
        Slot next = live.get().other();
        PodTemplateSpec template = Workloads.withImage(cluster.client(), base.getSpec().getTemplate(), container,
                image, app.namespace() + "/" + base.getMetadata().getName());
        writeSlot(base, next, template, changeCause, stamp == null ? null : stamp.next(),
                stamp == null ? null : stamp.actor(), null);
        preview(service, next);
        return Optional.of(next);
    }

    /**
     * Starts a recorded pod template (a rollback to a revision whose slot was scaled down) in the slot that is not
     * live, at the live slot's replica count, stamped as the app's revision {@code revision}, a copy of
     * {@code rolledBackTo}; points the preview Service at it. Users still reach the live slot. Returns the slot.
     */
    public Slot deployTemplate(PodTemplateSpec template, String changeCause, int revision, int rolledBackTo,
                               String actor) {
        Service service = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the app's pods");
        Slot live = Slot.of(selector(service).get(Labels.SLOT)).orElseThrow(() -> DeployGuardException.badInput(
                "Service " + app.namespace() + "/" + app.service() + " selects no slot yet: nothing to roll back to"));
        Deployment base = cluster.requireDeployment(slotDeployment(live), "the Service selects slot "
                + live.label() + " but its Deployment is gone; restore it or remove the slot from the selector");
        PodTemplateSpec clean = cluster.client().getKubernetesSerialization().clone(template);
        if (clean.getMetadata() != null && clean.getMetadata().getLabels() != null) {
            // The controller's label for the ReplicaSet it came from; a Deployment's template must not carry it.
            clean.getMetadata().getLabels().remove(POD_TEMPLATE_HASH);
        }
        writeSlot(base, live.other(), clean, changeCause, revision, actor, rolledBackTo);
        preview(service, live.other());
        return live.other();
    }

    /**
     * Records on a slot's Deployment (metadata only: no new ReplicaSet, no pod restarts) that it now runs the
     * app's revision {@code revision}, a copy of {@code rolledBackTo}, as a rollback to its warm pods makes it.
     */
    public void stamp(Slot slot, String changeCause, int revision, int rolledBackTo, String actor) {
        cluster.editDeployment(slotDeployment(slot), "record revision " + revision + " on slot " + slot.label(), d -> {
            d.getMetadata().setAnnotations(record(d.getMetadata().getAnnotations(), changeCause, revision, actor,
                    rolledBackTo));
            return d;
        });
    }

    /**
     * The pod template the app's revision {@code revision} ran in a slot, from the slot ReplicaSets DeployGuard
     * stamped (one that ran it, else a rollback copy of it: the same template); empty when none is left. Every
     * ReplicaSet of one revision holds the same template (but for the slot label, which a write sets anyway).
     */
    public Optional<PodTemplateSpec> recordedTemplate(int revision) {
        String wanted = Integer.toString(revision);
        PodTemplateSpec copy = null;
        for (Slot s : Slot.values()) {
            Deployment d = cluster.deployment(slotDeployment(s));
            if (d == null) {
                continue;
            }
            List<ReplicaSet> sets = ClusterCalls.call("list the ReplicaSets of " + app.namespace() + "/"
                    + slotDeployment(s), () -> cluster.client().apps().replicaSets().inNamespace(app.namespace())
                    .withLabels(d.getSpec().getSelector().getMatchLabels()).list().getItems());
            for (ReplicaSet rs : sets) {
                Map<String, String> a = rs.getMetadata().getAnnotations() == null ? Map.of()
                        : rs.getMetadata().getAnnotations();
                if (wanted.equals(a.get(Labels.REVISION))) {
                    return Optional.of(rs.getSpec().getTemplate());
                }
                if (copy == null && wanted.equals(a.get(Labels.ROLLED_BACK_TO))) {
                    copy = rs.getSpec().getTemplate();
                }
            }
        }
        return Optional.ofNullable(copy);
    }

    private void preview(Service service, Slot next) {
        Service preview = previewFor(service, next);
        cluster.createOrUpdate(preview, s -> {
            s.getSpec().setSelector(preview.getSpec().getSelector());
            s.getSpec().setPorts(preview.getSpec().getPorts());
            return s;
        });
    }

    private void writeSlot(Deployment base, Slot next, PodTemplateSpec source, String changeCause, Integer revision,
                           String actor, Integer rolledBackTo) {
        PodTemplateSpec template = cluster.client().getKubernetesSerialization().clone(source);
        template.getMetadata().setLabels(Labels.with(template.getMetadata().getLabels(), Labels.SLOT, next.label()));
        Deployment desired = new DeploymentBuilder(cluster.client().getKubernetesSerialization().clone(base))
                .withMetadata(new ObjectMetaBuilder().withName(slotDeployment(next)).withNamespace(app.namespace())
                        .withLabels(Labels.with(base.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .withAnnotations(record(Map.of(), changeCause, revision, actor, rolledBackTo))
                        .build())
                .editSpec()
                .editSelector()
                .withMatchLabels(Labels.with(base.getSpec().getSelector().getMatchLabels(), Labels.SLOT, next.label()))
                .endSelector()
                .withTemplate(template)
                .endSpec()
                .withStatus(null)
                .build();
        cluster.createOrUpdate(desired, d -> {
            d.getMetadata().setAnnotations(record(d.getMetadata().getAnnotations(), changeCause, revision, actor,
                    rolledBackTo));
            d.getSpec().setReplicas(desired.getSpec().getReplicas());
            d.getSpec().setTemplate(template);
            return d;
        });
    }

    /**
     * {@code annotations} with why the slot's template exists, which revision of the app it is, who sent it, and
     * (a rollback) which earlier revision it is a copy of.
     */
    private static Map<String, String> record(Map<String, String> annotations, String changeCause, Integer revision,
                                              String actor, Integer rolledBackTo) {
        Map<String, String> out = Labels.with(annotations, Labels.CHANGE_CAUSE, changeCause);
        // A stale revision would name the wrong release: drop it when this write does not know the new one.
        out.remove(Labels.REVISION);
        out.remove(Labels.DEPLOYED_BY);
        out.remove(Labels.ROLLED_BACK_TO);
        if (rolledBackTo != null) {
            out.put(Labels.ROLLED_BACK_TO, Integer.toString(rolledBackTo));
        }
        if (revision != null) {
            out.put(Labels.REVISION, Integer.toString(revision));
        }
        if (actor != null) {
            out.put(Labels.DEPLOYED_BY, actor);
        }
        return out;
    }

    /**
     * Read-only: which slot each Service selects and what each slot's Deployment runs, for status. The app's
     * Service must exist (NOT_FOUND otherwise); a missing preview Service or slot Deployment is simply absent.
     *
     * @param container the container whose image is reported (null: the first)
     */
    public SlotsView observe(String container) {
        Service service = cluster.requireService(app.service(),
                "platform.kubernetes.service must name the Service that selects the app's pods");
        Service preview = cluster.service(previewService());
        List<SlotsView.SlotState> states = new ArrayList<>();
        for (Slot s : Slot.values()) {
            Deployment d = cluster.deployment(slotDeployment(s));
            if (d != null) {
                states.add(SlotsView.SlotState.of(s, d, container));
            }
        }
        return new SlotsView(app.namespace(), app.service(), previewService(),
                Slot.of(selector(service).get(Labels.SLOT)).orElse(null), preview != null,
                preview == null ? null : Slot.of(selector(preview).get(Labels.SLOT)).orElse(null), states);
    }

    /**
     * Which of the app's revisions a deploy puts where: {@code serving} into blue when the app is first adopted,
     * {@code next} into the new slot; {@code actor} who asked.
     */
    public record Stamp(int serving, int next, String actor) {
    }

    /**
     * The slot a {@link #deploy(String, String, String, Stamp)} started as the app's revision {@code revision}: the
     * preview Service selects it, users do not, it asks for pods and carries that revision's stamp. Empty until
     * then, so a caller that asks again (each tick of a preparation) writes the slot once.
     */
    public Optional<Slot> previewing(int revision) {
        Service preview = cluster.service(previewService());
        Optional<Slot> slot = preview == null ? Optional.empty() : Slot.of(selector(preview).get(Labels.SLOT));
        if (slot.isEmpty() || live().equals(slot)) {
            return Optional.empty();
        }
        Deployment d = cluster.deployment(slotDeployment(slot.get()));
        if (d == null || d.getSpec().getReplicas() == null || d.getSpec().getReplicas() == 0) {
            return Optional.empty();
        }
        Map<String, String> a = d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
        return Integer.toString(revision).equals(a.get(Labels.REVISION)) ? slot : Optional.empty();
    }

    /**
     * The revision the preview slot restores when it was started as the app's revision {@code revision} by a
     * rollback ({@link #deployTemplate}: a copy of an earlier revision); empty for a slot a deploy started.
     */
    public Optional<Integer> rollbackCopyOf(int revision) {
        Service preview = cluster.service(previewService());
        Optional<Slot> slot = preview == null ? Optional.empty() : Slot.of(selector(preview).get(Labels.SLOT));
        Deployment d = slot.map(s -> cluster.deployment(slotDeployment(s))).orElse(null);
        Map<String, String> a = d == null || d.getMetadata().getAnnotations() == null ? Map.of()
                : d.getMetadata().getAnnotations();
        if (!Integer.toString(revision).equals(a.get(Labels.REVISION))) {
            return Optional.empty();
        }
        return Optional.ofNullable(SlotsView.SlotState.number(a.get(Labels.ROLLED_BACK_TO)));
    }

    /** True when the slot's Deployment has rolled out completely (every replica updated and available). */
    public boolean ready(Slot slot) {
        Deployment d = cluster.deployment(slotDeployment(slot));
        return d != null && Workloads.rolledOut(d);
    }

    /** Sends all users to {@code slot}: one update of the Service's selector. */
    public Service switchTo(Slot slot) {
        Deployment d = cluster.requireDeployment(slotDeployment(slot), "deploy to slot " + slot.label() + " first");
        if (d.getSpec().getReplicas() != null && d.getSpec().getReplicas() == 0) {
            throw new DeployGuardException(dev.deployguard.error.ExitCode.FAILURE, "slot " + slot.label() + " ("
                    + app.namespace() + "/" + slotDeployment(slot) + ") is scaled to 0: switching to it would leave"
                    + " the Service without pods; deploy again instead");
        }
        return cluster.editService(app.service(), "switch Service " + app.namespace() + "/" + app.service() + " to slot "
                + slot.label(), s -> {
            s.getSpec().setSelector(Labels.with(s.getSpec().getSelector(), Labels.SLOT, slot.label()));
            return s;
        });
    }

    /** Promotion: users go to the preview slot. */
    public void promote() {
        switchTo(previewSlot());
    }

    /**
     * Abort: if users were already switched to the new slot they go back to the other one at once (one Service
     * update; it is still warm), then the new slot is scaled to 0.
     */
    public void abort() {
        if (live().isEmpty()) {
            // Given up while the app was still being moved into slot blue (a deploy whose preparation ran out of
            // time): the Service still selects the app's own Deployment; the copy in the slot is scaled to 0.
            Service preview = cluster.service(previewService());
            Slot copy = preview == null ? Slot.BLUE : Slot.of(selector(preview).get(Labels.SLOT)).orElse(Slot.BLUE);
            cluster.scale(slotDeployment(copy), 0, "scale the adopted slot " + copy.label() + " to 0");
            return;
        }
        Slot fresh = previewSlot();
        if (live().filter(fresh::equals).isPresent()) {
            switchTo(fresh.other());
        }
        cluster.scale(slotDeployment(fresh), 0, "scale the aborted slot " + fresh.label() + " to 0");
    }

    /** After the scale-down delay: the slot users do not reach is scaled to 0. */
    public void scaleDownIdle() {
        Slot live = live().orElseThrow(() -> DeployGuardException.badInput("Service " + app.namespace() + "/"
                + app.service() + " selects no slot yet: nothing to scale down"));
        cluster.scale(slotDeployment(live.other()), 0, "scale the idle slot " + live.other().label() + " to 0");
    }

    private Slot previewSlot() {
        Service preview = cluster.requireService(previewService(), "nothing was deployed with blue/green yet");
        return Slot.of(selector(preview).get(Labels.SLOT)).orElseThrow(() -> DeployGuardException.badInput(
                "Service " + app.namespace() + "/" + previewService() + " selects no slot; deploy again"));
    }

    private Service previewFor(Service service, Slot slot) {
        Map<String, String> selector = new LinkedHashMap<>(selector(service));
        selector.put(Labels.SLOT, slot.label());
        return new ServiceBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(previewService()).withNamespace(app.namespace())
                        .withLabels(Labels.with(service.getMetadata().getLabels(), Labels.MANAGED_BY, "deployguard"))
                        .build())
                .withNewSpec()
                .withSelector(selector)
                .withPorts(service.getSpec().getPorts().stream().map(p -> new ServicePortBuilder()
                        .withName(p.getName()).withPort(p.getPort()).withTargetPort(p.getTargetPort())
                        .withProtocol(p.getProtocol()).build()).toList())
                .endSpec()
                .build();
    }

    private static Map<String, String> selector(Service s) {
        return s.getSpec() == null || s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector();
    }
}
