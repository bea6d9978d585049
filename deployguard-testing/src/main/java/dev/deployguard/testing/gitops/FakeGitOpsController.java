package dev.deployguard.testing.gitops;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * TEST SUPPORT, NOT PRODUCTION: plays Argo CD's application controller and Flux's kustomize-controller and
 * helm-controller on a mock API server, over one fake git repository (revision → the image and replicas it
 * deploys, and a HEAD). Each {@link #step()} reconciles every owner once:
 * <ul>
 *   <li>Argo CD Application with {@code .operation.sync}: applies that revision to its Deployment, appends a
 *       {@code status.history} entry (id max+1, revision, source, initiatedBy), writes {@code status.operationState}
 *       (Succeeded, or Failed for a revision git does not have) and clears {@code .operation} — as
 *       argoproj/argo-cd {@code controller/appcontroller.go} processRequestedAppOperation and
 *       {@code controller/sync.go} persistRevisionHistory do;</li>
 *   <li>auto-sync on ({@code automated} present and not {@code enabled: false}): syncs to HEAD when the last synced
 *       revision differs, and with {@code selfHeal} also when the live Deployment drifted from it;</li>
 *   <li>Flux Kustomization / HelmRelease not {@code spec.suspend}: re-applies HEAD (drift correction), sets
 *       {@code status.lastAppliedRevision} ({@code main@sha1:...}) and answers
 *       {@code reconcile.fluxcd.io/requestedAt} in {@code status.lastHandledReconcileAt}; suspended: nothing.</li>
 * </ul>
 * Every Deployment write records the controller's field manager in {@code managedFields}, as the API server does.
 */
public final class FakeGitOpsController {
    public static final ResourceDefinitionContext APPLICATIONS = context("argoproj.io", "v1alpha1", "Application",
            "applications");
    public static final ResourceDefinitionContext KUSTOMIZATIONS = context("kustomize.toolkit.fluxcd.io", "v1",
            "Kustomization", "kustomizations");
    public static final ResourceDefinitionContext HELM_RELEASES = context("helm.toolkit.fluxcd.io", "v2",
            "HelmRelease", "helmreleases");

    /** What one git revision deploys. */
    public record Manifest(String image, Integer replicas) {
    }

    /** The Deployment an owner manages. */
    public record Target(String namespace, String deployment, String container) {
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, Manifest> git = new LinkedHashMap<>();
    private final Map<String, Target> targets = new HashMap<>();
    private String head;
    private String repoUrl = "https://git.example/shop/deploy.git";

    public FakeGitOpsController(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** A commit in the fake repository; it becomes HEAD. */
    public synchronized void commit(String revision, Manifest manifest) {
        git.put(revision, manifest);
        head = revision;
    }

    public synchronized String head() {
        return head;
    }

    /** Creates Application {@code ns/name} for {@code target} with its tracking annotation on the Deployment. */
    public synchronized GenericKubernetesResource argoApplication(String ns, String name, Target target,
                                                                  boolean automated, boolean selfHeal) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("project", "default");
        spec.put("source", source());
        spec.put("destination", Map.of("server", "https://kubernetes.default.svc", "namespace", target.namespace()));
        if (automated) {
            spec.put("syncPolicy", new LinkedHashMap<>(Map.of("automated", new LinkedHashMap<>(Map.of("prune", true,
                    "selfHeal", selfHeal)))));
        }
        GenericKubernetesResource app = new GenericKubernetesResourceBuilder().withApiVersion("argoproj.io/v1alpha1")
                .withKind("Application").withNewMetadata().withNamespace(ns).withName(name).endMetadata().build();
        app.getAdditionalProperties().put("spec", spec);
        targets.put(key(APPLICATIONS, ns, name), target);
        tag(target, Map.of(), Map.of("argocd.argoproj.io/tracking-id", (ns.equals("argocd") ? name : ns + "_"
                + name) + ":apps/Deployment:" + target.namespace() + "/" + target.deployment()));
        return client.genericKubernetesResources(APPLICATIONS).inNamespace(ns).resource(app).create();
    }

    /** Creates Kustomization {@code ns/name} for {@code target}, labelling the Deployment as kustomize-controller does. */
    public synchronized GenericKubernetesResource kustomization(String ns, String name, Target target) {
        return flux(KUSTOMIZATIONS, "kustomize.toolkit.fluxcd.io", ns, name, target,
                Map.of("interval", "10m", "path", "./apps/shop", "prune", true,
                        "sourceRef", Map.of("kind", "GitRepository", "name", "deploy")));
    }

    /** Creates HelmRelease {@code ns/name} for {@code target}, labelling the Deployment as helm-controller does. */
    public synchronized GenericKubernetesResource helmRelease(String ns, String name, Target target) {
        return flux(HELM_RELEASES, "helm.toolkit.fluxcd.io", ns, name, target,
                Map.of("interval", "5m", "chart", Map.of("spec", Map.of("chart", "web", "sourceRef",
                        Map.of("kind", "GitRepository", "name", "deploy"))),
                        "upgrade", Map.of("remediation", Map.of("retries", 2, "strategy", "rollback"))));
    }

    /** Reconciles every owner once; returns how many objects it wrote. */
    public synchronized int step() {
        int writes = 0;
        for (GenericKubernetesResource app : list(APPLICATIONS)) {
            writes += argo(app);
        }
        for (GenericKubernetesResource k : list(KUSTOMIZATIONS)) {
            writes += flux(KUSTOMIZATIONS, k, "kustomize-controller");
        }
        for (GenericKubernetesResource h : list(HELM_RELEASES)) {
            writes += flux(HELM_RELEASES, h, "helm-controller");
        }
        return writes;
    }

    /**
     * Steps every {@code everyMillis} ms on a daemon thread, for tests that drive a whole control plane in real time
     * (as the real controllers run beside it); close the result to stop it.
     */
    public AutoCloseable runInBackground(long everyMillis) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    step();
                    Thread.sleep(everyMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a 409 from a concurrent writer, or the API server going away at the end of a test: next tick
                }
            }
        }, "fake-gitops-controller");
        t.setDaemon(true);
        t.start();
        return () -> {
            t.interrupt();
            t.join(5_000);
        };
    }

    @SuppressWarnings("unchecked")
    private int argo(GenericKubernetesResource app) {
        Target target = targets.get(key(APPLICATIONS, app.getMetadata().getNamespace(), app.getMetadata().getName()));
        if (target == null) {
            return 0;
        }
        Map<String, Object> props = app.getAdditionalProperties();
        Map<String, Object> status = (Map<String, Object>) props.computeIfAbsent("status",
                k -> new LinkedHashMap<String, Object>());
        if (props.get("operation") instanceof Map<?, ?> op && op.get("sync") instanceof Map<?, ?> sync) {
            String revision = (String) sync.get("revision");
            Manifest m = git.get(revision);
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("operation", op);
            state.put("startedAt", clock.instant().toString());
            state.put("finishedAt", clock.instant().toString());
            if (m == null) {
                state.put("phase", "Failed");
                state.put("message", "rpc error: unable to resolve '" + revision + "' to a commit SHA");
            } else {
                apply(target, m, "argocd-controller");
                history(status, revision, sync.get("source"), op.get("initiatedBy"));
                state.put("phase", "Succeeded");
                state.put("message", "successfully synced (all tasks run)");
                state.put("syncResult", Map.of("revision", revision));
                status.put("sync", Map.of("status", revision.equals(head) ? "Synced" : "OutOfSync",
                        "revision", revision));
            }
            status.put("operationState", state);
            props.remove("operation");
            update(APPLICATIONS, app);
            return 1;
        }
        Object automated = at(props, "spec", "syncPolicy", "automated");
        if (!(automated instanceof Map<?, ?> a) || Boolean.FALSE.equals(a.get("enabled")) || head == null) {
            return 0;
        }
        String synced = at(status, "sync", "revision") instanceof String s ? s : null;
        boolean drifted = Boolean.TRUE.equals(a.get("selfHeal")) && !matches(target, git.get(head));
        if (head.equals(synced) && !drifted) {
            return 0;
        }
        apply(target, git.get(head), "argocd-controller");
        history(status, head, source(), Map.of("automated", true));
        status.put("sync", Map.of("status", "Synced", "revision", head));
        update(APPLICATIONS, app);
        return 1;
    }

    @SuppressWarnings("unchecked")
    private int flux(ResourceDefinitionContext kind, GenericKubernetesResource r, String manager) {
        Target target = targets.get(key(kind, r.getMetadata().getNamespace(), r.getMetadata().getName()));
        Object suspend = at(r.getAdditionalProperties(), "spec", "suspend");
        if (target == null || Boolean.TRUE.equals(suspend) || head == null) {
            return 0;
        }
        Map<String, Object> status = (Map<String, Object>) r.getAdditionalProperties().computeIfAbsent("status",
                k -> new LinkedHashMap<String, Object>());
        String requested = r.getMetadata().getAnnotations() == null ? null
                : r.getMetadata().getAnnotations().get("reconcile.fluxcd.io/requestedAt");
        String applied = "main@sha1:" + head;
        boolean answered = Objects.equals(requested, status.get("lastHandledReconcileAt"));
        if (matches(target, git.get(head)) && applied.equals(status.get("lastAppliedRevision")) && answered) {
            return 0;
        }
        apply(target, git.get(head), manager);
        status.put("lastAppliedRevision", applied);
        status.put("lastAttemptedRevision", applied);
        if (requested != null) {
            status.put("lastHandledReconcileAt", requested);
        }
        update(kind, r);
        return 1;
    }

    private GenericKubernetesResource flux(ResourceDefinitionContext kind, String labelGroup, String ns, String name,
                                           Target target, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResourceBuilder()
                .withApiVersion(kind.getGroup() + "/" + kind.getVersion()).withKind(kind.getKind())
                .withNewMetadata().withNamespace(ns).withName(name).endMetadata().build();
        r.getAdditionalProperties().put("spec", new LinkedHashMap<>(spec));
        targets.put(key(kind, ns, name), target);
        tag(target, Map.of(labelGroup + "/name", name, labelGroup + "/namespace", ns), Map.of());
        return client.genericKubernetesResources(kind).inNamespace(ns).resource(r).create();
    }

    @SuppressWarnings("unchecked")
    private void history(Map<String, Object> status, String revision, Object source, Object initiatedBy) {
        List<Map<String, Object>> history = status.get("history") instanceof List<?> l
                ? new ArrayList<>((List<Map<String, Object>>) l) : new ArrayList<>();
        long id = history.stream().mapToLong(h -> ((Number) h.get("id")).longValue()).max().orElse(-1) + 1;
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", id);
        entry.put("revision", revision);
        entry.put("deployedAt", clock.instant().toString());
        entry.put("source", source);
        entry.put("initiatedBy", initiatedBy);
        history.add(entry);
        status.put("history", history);
    }

    private boolean matches(Target t, Manifest m) {
        Deployment d = client.apps().deployments().inNamespace(t.namespace()).withName(t.deployment()).get();
        return d != null && m != null && Objects.equals(image(d, t), m.image())
                && (m.replicas() == null || m.replicas().equals(d.getSpec().getReplicas()));
    }

    private void apply(Target t, Manifest m, String manager) {
        client.apps().deployments().inNamespace(t.namespace()).withName(t.deployment()).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> t.container() == null || t.container().equals(c.getName())).findFirst()
                    .ifPresent(c -> c.setImage(m.image()));
            if (m.replicas() != null) {
                d.getSpec().setReplicas(m.replicas());
            }
            List<ManagedFieldsEntry> fields = d.getMetadata().getManagedFields() == null ? new ArrayList<>()
                    : new ArrayList<>(d.getMetadata().getManagedFields());
            fields.removeIf(f -> manager.equals(f.getManager()));
            fields.add(new ManagedFieldsEntryBuilder().withManager(manager).withOperation("Apply")
                    .withApiVersion("apps/v1").withTime(clock.instant().toString()).build());
            d.getMetadata().setManagedFields(fields);
            return d;
        });
    }

    private void tag(Target t, Map<String, String> labels, Map<String, String> annotations) {
        client.apps().deployments().inNamespace(t.namespace()).withName(t.deployment()).edit(d -> {
            Map<String, String> l = new LinkedHashMap<>(d.getMetadata().getLabels() == null ? Map.of()
                    : d.getMetadata().getLabels());
            l.putAll(labels);
            d.getMetadata().setLabels(l);
            Map<String, String> a = new LinkedHashMap<>(d.getMetadata().getAnnotations() == null ? Map.of()
                    : d.getMetadata().getAnnotations());
            a.putAll(annotations);
            d.getMetadata().setAnnotations(a);
            return d;
        });
    }

    private static String image(Deployment d, Target t) {
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> t.container() == null || t.container().equals(c.getName())).findFirst()
                .map(c -> c.getImage()).orElse(null);
    }

    private Map<String, Object> source() {
        return new LinkedHashMap<>(Map.of("repoURL", repoUrl, "path", "apps/shop", "targetRevision", "HEAD"));
    }

    private List<GenericKubernetesResource> list(ResourceDefinitionContext kind) {
        return client.genericKubernetesResources(kind).inAnyNamespace().list().getItems();
    }

    private void update(ResourceDefinitionContext kind, GenericKubernetesResource r) {
        client.genericKubernetesResources(kind).inNamespace(r.getMetadata().getNamespace()).resource(r).update();
    }

    private static Object at(Map<String, Object> root, String... path) {
        Object node = root;
        for (String p : path) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(p);
        }
        return node;
    }

    private static String key(ResourceDefinitionContext kind, String ns, String name) {
        return kind.getKind() + "/" + ns + "/" + name;
    }

    private static ResourceDefinitionContext context(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }
}
