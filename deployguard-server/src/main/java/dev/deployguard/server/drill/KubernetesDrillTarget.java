package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.deployment.Annotations;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.spec.AppSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A drill on Kubernetes — a Deployment app or a Helm release, also one Argo CD or Flux owns (its owner paused
 * first): deploys and rollbacks through {@link KubernetesApps} (the code {@code deployguard deploy} and
 * {@code rollback} use), a progressive strategy's rollout promoted to its end, and the state read from the
 * cluster: the serving version, the app's Deployment (a Helm release's: the one its chart renders), its images, the
 * pod-template-hash of its current ReplicaSet, a hash of its pod template (env, config refs, probes, resources;
 * without the pod-template-hash label and DeployGuard's own annotations) and its replica counts. A blue/green app
 * is read where users reach it ({@link DrillSlots}: the active slot's Deployment, the Service's selector, the idle
 * slot's replicas), and its rollback (a slot started again, switched on the control plane's ticks) is awaited. The
 * spec gives a Kubernetes app no URL, so no probe requests are made; the report says so.
 */
final class KubernetesDrillTarget implements DrillScript.Target {
    static final String VERSION = ObservedState.VERSION;
    static final String REPLICAS = "deployment.replicas";
    static final String READY = "deployment.readyReplicas";
    static final String AVAILABLE = "deployment.availableReplicas";
    static final String UPDATED = "deployment.updatedReplicas";
    static final String TEMPLATE_HASH = "deployment.templateSha256";

    private final KubernetesApps kubernetes;
    private final DrillRollouts rollouts;
    private final AppSpec app;
    private final Duration timeout;
    private final String actor;
    private final String probeNote;
    /** A blue/green app's slots; null for other strategies. */
    private final DrillSlots slots;

    KubernetesDrillTarget(KubernetesApps kubernetes, DrillRollouts rollouts, AppSpec app, boolean probesAsked,
                          Duration timeout, String actor) {
        this.kubernetes = kubernetes;
        this.rollouts = rollouts;
        this.app = app;
        this.timeout = timeout;
        this.actor = actor;
        this.probeNote = probesAsked ? "; probes skipped: a Kubernetes app has no URL in the spec to probe" : "";
        this.slots = DrillSlots.applies(app) ? new DrillSlots(app) : null;
    }

    /**
     * The app's releases as {@code history} lists them: a blue/green Deployment app's by its slots (once a slot
     * serves, the app's own Deployment's revisions no longer say what users reach).
     */
    static List<Release> releases(KubernetesApps kubernetes, AppSpec app) {
        if (DrillSlots.applies(app) && app.kubernetes().helm() == null) {
            @SuppressWarnings("unchecked")
            List<Release> rows = (List<Release>) kubernetes.historyAnswer(app.name()).get("releases");
            return rows;
        }
        return kubernetes.history(app.name());
    }

    @Override
    public Optional<Release> baselineServing() {
        if (slots != null) {
            try (KubernetesClient client = kubernetes.client(app.name())) {
                if (!slots.inSlots(client)) {
                    return Optional.empty();
                }
            }
        }
        return serving();
    }

    @Override
    public Optional<Release> serving() {
        try {
            return releases(kubernetes, app).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED)
                    .findFirst();
        } catch (DeployGuardException e) {
            if (e.exitCode() == ExitCode.NOT_FOUND) {
                return Optional.empty(); // a Helm release not installed yet: nothing serves
            }
            throw e;
        }
    }

    @Override
    public Release deploy(String version, String cause) {
        Release r = kubernetes.deploy(new Deployer.DeployRequest(app.name(), version, cause, true, timeout, actor))
                .release();
        return r == null ? null : rollouts.settle(app.name(), r);
    }

    @Override
    public String rollback(Release to, String cause) {
        // By the app's own revisions (Deployment or Helm), also for a GitOps-owned app: its owner was paused first.
        String answer = kubernetes.rollback(app.name(), to.revision(), cause, actor, false, false).message();
        // A blue/green rollback to a slot scaled to 0 starts it again and switches users on the ticks.
        return rollouts.awaitRollback(app.name()).orElse(answer);
    }

    @Override
    public String note() {
        return probeNote;
    }

    @Override
    public String describe(ObservedState s) {
        return s.fields().get(READY) + "/" + s.fields().get(REPLICAS) + " replicas ready";
    }

    /** The Deployment's observable state, read live from the cluster. */
    @Override
    public ObservedState observe() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(VERSION, serving().map(Release::version).orElse("(none serving)"));
        String ns = app.kubernetes().namespace();
        try (KubernetesClient client = kubernetes.client(app.name())) {
            String own = kubernetes.deploymentOf(app.name(), client);
            String name = slots == null ? own : slots.serving(client, own);
            Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
            if (d == null) {
                throw new DrillSteps.Failed("deployment " + ns + "/" + name + " does not exist");
            }
            PodTemplateSpec template = d.getSpec().getTemplate();
            f.put("deployment.images", template.getSpec().getContainers().stream()
                    .map(c -> c.getName() + "=" + c.getImage()).collect(Collectors.joining(" ")));
            f.put("deployment.podTemplateHash", podTemplateHash(client, d));
            f.put(TEMPLATE_HASH, templateHash(client, template));
            f.put(REPLICAS, String.valueOf(d.getSpec().getReplicas()));
            var s = d.getStatus();
            f.put(UPDATED, String.valueOf(s == null ? null : s.getUpdatedReplicas()));
            f.put(AVAILABLE, String.valueOf(s == null ? null : s.getAvailableReplicas()));
            f.put(READY, String.valueOf(s == null ? null : s.getReadyReplicas()));
            if (slots != null) {
                slots.observe(client, own, f);
            }
        } catch (KubernetesClientException e) {
            throw new DrillSteps.Failed("cannot read the deployment of " + app.name() + " in namespace " + ns + ": "
                    + e.getMessage(), e);
        }
        return new ObservedState(f);
    }

    /** The pod-template-hash of the ReplicaSet that carries the Deployment's revision. */
    private static String podTemplateHash(KubernetesClient client, Deployment d) {
        String revision = d.getMetadata().getAnnotations() == null ? null
                : d.getMetadata().getAnnotations().get(Annotations.REVISION);
        return client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace())
                .withLabels(d.getSpec().getSelector().getMatchLabels()).list().getItems().stream()
                .filter(rs -> revision != null && rs.getMetadata().getAnnotations() != null
                        && revision.equals(rs.getMetadata().getAnnotations().get(Annotations.REVISION)))
                .map(ReplicaSet::getMetadata).map(m -> m.getLabels() == null ? null
                        : m.getLabels().get(Annotations.POD_TEMPLATE_HASH))
                .filter(java.util.Objects::nonNull).findFirst().orElse("(no current replica set)");
    }

    /** SHA-256 of the pod template without the pod-template-hash label and DeployGuard's own annotations. */
    static String templateHash(KubernetesClient client, PodTemplateSpec template) {
        PodTemplateSpec t = client.getKubernetesSerialization().clone(template);
        if (t.getMetadata() != null) {
            if (t.getMetadata().getLabels() != null) {
                t.getMetadata().getLabels().remove(Annotations.POD_TEMPLATE_HASH);
            }
            if (t.getMetadata().getAnnotations() != null) {
                t.getMetadata().getAnnotations().keySet().removeIf(k -> k.startsWith("deployguard.dev/"));
            }
        }
        String json = client.getKubernetesSerialization().asJson(t);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Null when every desired replica is updated, available and ready; else what is wrong. */
    @Override
    public String serves(ObservedState s) {
        String want = s.fields().get(REPLICAS);
        List<String> bad = new ArrayList<>();
        if ("0".equals(want) || "null".equals(want)) {
            bad.add("the Deployment wants no replicas");
        }
        for (String field : List.of(UPDATED, AVAILABLE, READY)) {
            if (!s.fields().get(field).equals(want)) {
                bad.add(field + " is " + s.fields().get(field) + " of " + want);
            }
        }
        return bad.isEmpty() ? null : String.join("; ", bad);
    }
}
