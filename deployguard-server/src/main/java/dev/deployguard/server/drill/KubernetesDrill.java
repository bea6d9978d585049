package dev.deployguard.server.drill;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.deployment.Annotations;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The rollback drill of a Kubernetes Deployment app: the same steps, events and report as the local drill, carried
 * out through {@link KubernetesApps} (the code {@code deployguard deploy} and {@code rollback} use), with the state
 * read from the cluster: the serving version, the Deployment's images, the pod-template-hash of its current
 * ReplicaSet, a hash of its pod template (env, config refs, probes, resources; without the pod-template-hash label
 * and DeployGuard's own annotations) and its replica counts. The spec gives a Kubernetes app no URL, so no probe
 * requests are made; the report says so.
 */
final class KubernetesDrill {
    static final String VERSION = "release.version";
    static final String REPLICAS = "deployment.replicas";
    static final String READY = "deployment.readyReplicas";
    static final String AVAILABLE = "deployment.availableReplicas";
    static final String UPDATED = "deployment.updatedReplicas";
    static final String TEMPLATE_HASH = "deployment.templateSha256";

    private final KubernetesApps kubernetes;
    private final EventLog events;
    private final Clock clock;
    private final AppSpec app;
    private final String baseline;
    private final String candidate;
    private final Duration timeout;
    private final String actor;
    private final String probeNote;
    private final DrillSteps steps;
    private final Instant started;

    KubernetesDrill(KubernetesApps kubernetes, EventLog events, Clock clock, AppSpec app, String baseline,
                    String candidate, boolean probesAsked, Duration timeout, String actor) {
        this.kubernetes = kubernetes;
        this.events = events;
        this.clock = clock;
        this.app = app;
        this.baseline = baseline;
        this.candidate = candidate;
        this.timeout = timeout;
        this.actor = actor;
        this.probeNote = probesAsked ? "; probes skipped: a Kubernetes app has no URL in the spec to probe" : "";
        this.started = clock.instant();
        this.steps = new DrillSteps(events, app.name(), actor, this::describe);
    }

    DrillReport run() {
        Release base = steps.run("deploy baseline", () -> {
            Optional<Release> serving = serving();
            return serving.isPresent() && serving.get().version().equals(baseline) ? serving.get()
                    : deploy(baseline, "drill: baseline ");
        });
        if (base == null) {
            return finish(null, null, List.of(), "the baseline " + baseline + " could not be brought up");
        }
        ObservedState before = steps.run("record baseline", () -> {
            ObservedState s = observe();
            String bad = serves(s);
            if (bad != null) {
                throw new DrillSteps.Failed("the baseline does not serve: " + bad);
            }
            return s;
        });
        if (before == null) {
            return finish(null, null, List.of(), "the baseline " + baseline + " does not serve");
        }
        Release cand = steps.run("deploy candidate", () -> deploy(candidate, "drill: candidate "));
        boolean candidateServes = false;
        if (cand != null) {
            candidateServes = steps.run("verify candidate", () -> {
                ObservedState s = observe();
                String bad = serves(s);
                if (!candidate.equals(s.fields().get(VERSION))) {
                    bad = "serving " + s.fields().get(VERSION) + ", not " + candidate;
                }
                if (bad != null) {
                    throw new DrillSteps.Failed("the candidate does not serve: " + bad);
                }
                return "rolled out: " + s.fields().get(READY) + " replicas ready";
            }) != null;
            // By the Deployment's own revisions, also for a GitOps-owned app (its owner was paused before the drill).
            steps.run("roll back", () -> kubernetes.rollback(app.name(), base.revision(), "drill: back to " + baseline,
                    actor, false, false).message());
        } else {
            steps.skip("verify candidate", "the candidate was never deployed");
            steps.skip("roll back", "the Deployment never left the baseline");
        }
        long t0 = System.nanoTime();
        ObservedState after = observe();
        List<ObservedState.Difference> diffs = before.differencesTo(after);
        DrillReport.Step verify = new DrillReport.Step("verify restored", diffs.isEmpty() ? DrillReport.Outcome.PASS
                : DrillReport.Outcome.FAIL, DrillEvents.millis(t0), diffs.isEmpty() ? "every field equals the baseline ("
                + before.fields().size() + " fields)" + probeNote : diffs.size() + " field(s) differ: "
                + DrillEvents.names(diffs));
        steps.add(verify);
        String summary = diffs.isEmpty() ? (cand != null && candidateServes ? "the app returned to its baseline"
                : "the app is on its baseline, but the candidate step failed")
                : "the rollback did not restore the baseline: " + DrillEvents.names(diffs) + " differ";
        return finish(before, after, diffs, summary);
    }

    private Release deploy(String version, String cause) {
        Release r = kubernetes.deploy(new Deployer.DeployRequest(app.name(), version, cause + version, true, timeout,
                actor)).release();
        if (r == null || !version.equals(r.version())) {
            throw new DrillSteps.Failed("after the deploy the Deployment serves "
                    + (r == null ? "nothing" : r.version()) + ", not " + version);
        }
        return r;
    }

    private Optional<Release> serving() {
        return kubernetes.history(app.name()).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED).findFirst();
    }

    /** The Deployment's observable state, read live from the cluster. */
    ObservedState observe() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(VERSION, serving().map(Release::version).orElse("(none serving)"));
        String ns = app.kubernetes().namespace();
        String name = app.kubernetes().deploymentName(app.name());
        try (KubernetesClient client = kubernetes.client(app.name())) {
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
        } catch (KubernetesClientException e) {
            throw new DrillSteps.Failed("cannot read deployment " + ns + "/" + name + ": " + e.getMessage(), e);
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
    private static String serves(ObservedState s) {
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


    private String describe(Object result) {
        if (result instanceof Release r) {
            return "revision " + r.revision() + " (" + r.version() + ") serving";
        }
        if (result instanceof ObservedState s) {
            return s.fields().size() + " fields recorded; " + s.fields().get(READY) + "/" + s.fields().get(REPLICAS)
                    + " replicas ready" + probeNote;
        }
        return result instanceof String text ? text : "ok";
    }



    private DrillReport finish(ObservedState before, ObservedState after, List<ObservedState.Difference> diffs,
                               String summary) {
        Optional<Release> serving;
        try {
            serving = serving();
        } catch (DeployGuardException | KubernetesClientException e) {
            serving = Optional.empty();
        }
        return DrillEvents.finish(events, app.name(), actor, baseline, candidate, steps.all(),
                DrillEvents.since(started, clock), serving, before, after, diffs, summary);
    }
}
