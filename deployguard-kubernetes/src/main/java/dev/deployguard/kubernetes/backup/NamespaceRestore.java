// Over 400 lines: Velero's restore rules plus the dependency order and its waits form one procedure.
package dev.deployguard.kubernetes.backup;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Restores a Velero-format namespace backup into the same or another namespace, in dependency order (see the
 * package description), with Velero's stripped metadata, skip list and existing-object policy. {@link #plan} is the
 * dry run: what would be created, skipped or overwritten, in the order it would happen.
 */
public final class NamespaceRestore {
    /** Velero's {@code nonRestorableResources}. */
    static final Set<String> NEVER_RESTORED = Set.of("nodes", "events", "events.events.k8s.io", "backups.velero.io",
            "restores.velero.io", "resticrepositories.velero.io", "backuprepositories.velero.io",
            "csinodes.storage.k8s.io", "volumeattachments.storage.k8s.io");
    /** Velero's {@code resetMetadata}. */
    static final List<String> STRIPPED_METADATA = List.of("generateName", "selfLink", "uid", "resourceVersion",
            "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences");
    private static final Set<String> RBAC = Set.of("serviceaccounts", "roles.rbac.authorization.k8s.io",
            "rolebindings.rbac.authorization.k8s.io");
    private static final Set<String> CONFIG = Set.of("configmaps", "secrets", "limitranges", "resourcequotas",
            "persistentvolumeclaims");
    private static final Set<String> WEBHOOKS = Set.of(ResourceType.VALIDATING_WEBHOOK.dir(),
            ResourceType.MUTATING_WEBHOOK.dir());

    /**
     * Creates a verify keeps in flight within one dependency phase. Measured with {@code bench/run backup} (see
     * docs/backup.md); far below an API server's default limit of 200 mutating requests in flight.
     */
    public static final int DEFAULT_CONCURRENCY = 16;

    private final KubernetesClient client;
    private final int concurrency;

    public NamespaceRestore(KubernetesClient client) {
        this(client, DEFAULT_CONCURRENCY);
    }

    /** {@code concurrency}: how many creates a verify keeps in flight within one dependency phase. */
    public NamespaceRestore(KubernetesClient client, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.client = client;
        this.concurrency = concurrency;
    }

    /** What to do with objects that already exist: Velero's {@code --existing-resource-policy}. */
    public enum ExistingPolicy { NONE, UPDATE }

    /** What happens to one object. */
    public enum Action { CREATE, SKIP, OVERWRITE }

    /** The phases, in the order they run. */
    public enum Phase { CRDS, NAMESPACES, RBAC, CONFIG, WEBHOOK_BACKENDS, WEBHOOKS, OTHERS }

    /** {@code targetNamespace} null: the namespace it was backed up from. */
    public record Options(String targetNamespace, ExistingPolicy existing, Duration crdTimeout, String restoreName) {
    }

    /** One object's fate; {@code reason} says why it is skipped or overwritten. */
    public record Step(Phase phase, String resource, String namespace, String name, Action action, String reason) {
        @Override
        public String toString() {
            return phase + " " + resource + " " + (namespace == null ? "" : namespace + "/") + name + ": " + action
                    + (reason == null ? "" : " (" + reason + ")");
        }
    }

    /** The steps of a restore, in order. */
    public record Plan(String backupName, String targetNamespace, List<Step> steps) {
        public long count(Action a) {
            return steps.stream().filter(s -> s.action() == a).count();
        }
    }

    private record Item(ResourceType type, String dir, GenericKubernetesResource object) {
    }

    private record Planned(Step step, Item item) {
    }

    /** The dry run: reads the backup and the cluster, changes nothing. */
    public Plan plan(Path tarball, Options o) {
        return plan(tarball, planned(Tarball.read(tarball), tarball, o, true));
    }

    private static Plan plan(Path tarball, List<Planned> planned) {
        String target = planned.stream().filter(p -> p.step().phase() == Phase.NAMESPACES)
                .map(p -> p.step().name()).findFirst().orElse(null);
        return new Plan(backupName(tarball), target, planned.stream().map(Planned::step).toList());
    }

    /** Restores in plan order; stops at the first failure (what was applied before stays, as in Velero). */
    public Plan restore(Path tarball, Options o) {
        List<Planned> planned = planned(Tarball.read(tarball), tarball, o, true);
        List<String> crds = new ArrayList<>();
        boolean crdsWaited = false;
        for (Planned p : planned) {
            if (p.step().phase() != Phase.CRDS && !crdsWaited) {
                awaitEstablished(crds, o.crdTimeout());
                crdsWaited = true;
            }
            switch (p.step().action()) {
                case SKIP -> { }
                case CREATE -> resource(p.item()).create();
                case OVERWRITE -> {
                    GenericKubernetesResource existing = resource(p.item()).get();
                    p.item().object().getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                    resource(p.item()).update();
                }
                default -> throw new IllegalStateException(p.step().action().name());
            }
            if (p.step().phase() == Phase.CRDS && p.step().action() != Action.SKIP) {
                crds.add(p.step().name());
            }
        }
        if (!crdsWaited) {
            awaitEstablished(crds, o.crdTimeout());
        }
        return plan(tarball, planned);
    }

    /** The outcome of restoring a backup into a scratch namespace and comparing every object with the backup. */
    public record Verification(String scratchNamespace, int objects, long restoreMillis, List<String> differences,
                               List<String> notRun, Timings timings) {
        public boolean ok() {
            return differences.isEmpty();
        }
    }

    /**
     * Where a verify's time went: reading the tarball and planning, the creates (= {@code restoreMillis}), reading
     * the copies back and comparing them, and deleting the scratch copies.
     */
    public record Timings(long readMillis, long createMillis, long compareMillis, long cleanupMillis) {
    }

    /**
     * Restores the backup's namespaced objects into a new scratch namespace, compares each with the backup (every
     * field the backup holds must be there with the same value; fields the API server adds by default are allowed),
     * and deletes the scratch namespace again. Cluster-scoped objects (CRDs, webhooks) are not touched: they must
     * already exist, as they do in the cluster the backup was taken from.
     */
    public Verification verify(Path tarball, Duration crdTimeout) {
        long start = System.nanoTime();
        Map<String, byte[]> entries = Tarball.read(tarball);
        String source = sourceNamespace(entries, tarball);
        String scratch = (source.length() > 48 ? source.substring(0, 48) : source) + "-verify-"
                + Long.toHexString(System.nanoTime() & 0xffffffL);
        // The scratch namespace is new: nothing in it to look up, every object is a CREATE (a clash is a 409 below).
        List<Planned> all = planned(entries, tarball, new Options(scratch, ExistingPolicy.NONE, crdTimeout, "verify"),
                false);
        List<String> differences = new ArrayList<>();
        List<String> notRun = new ArrayList<>();
        List<Planned> planned = new ArrayList<>();
        for (Planned p : all) {
            if (!(p.item().type().namespaced() || p.step().phase() == Phase.NAMESPACES)
                    || p.step().action() != Action.CREATE) {
                continue;
            }
            if (WOULD_RUN.contains(p.step().resource())) {
                notRun.add(p.step().resource() + "/" + p.step().name());
                continue;
            }
            idle(p.item());
            planned.add(p);
        }
        for (Planned p : all) {
            if (!p.item().type().namespaced() && p.step().phase() != Phase.NAMESPACES
                    && p.step().action() == Action.CREATE && !exists(p.item())) {
                differences.add(p.step().resource() + " " + p.step().name() + ": not in the cluster, so what depends"
                        + " on it cannot be verified here (verify never creates cluster-scoped objects; restore them"
                        + " with: deployguard backup namespace restore)");
            }
        }
        List<Planned> created = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        long readMillis = (t0 - start) / 1_000_000;
        long millis = 0;
        long compareMillis = 0;
        long cleanupMillis;
        try {
            differences.addAll(ParallelCreate.inPhases(planned, concurrency, p -> p.step().phase(), p -> {
                try {
                    resource(p.item()).create();
                    created.add(p);
                    return null;
                } catch (KubernetesClientException e) {
                    return p.step().resource() + " " + p.step().name() + ": not restored (" + e.getCode() + " "
                            + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage()) + ")";
                }
            }));
            millis = (System.nanoTime() - t0) / 1_000_000;
            long t1 = System.nanoTime();
            // One list per kind read back, not one GET per object: verify should cost about what the backup did.
            Map<ResourceType, Map<String, GenericKubernetesResource>> restored = new HashMap<>();
            for (Planned p : created) {
                Map<String, GenericKubernetesResource> byName = restored.computeIfAbsent(p.item().type(), t -> {
                    Map<String, GenericKubernetesResource> m = new HashMap<>();
                    var op = client.genericKubernetesResources(t.context());
                    (t.namespaced() ? op.inNamespace(scratch).list() : op.list()).getItems()
                            .forEach(o -> m.put(o.getMetadata().getName(), o));
                    return m;
                });
                GenericKubernetesResource actual = byName.get(p.item().object().getMetadata().getName());
                String diff = actual == null ? "missing after the restore"
                        : Subset.difference(asMap(p.item().object()), asMap(actual), "");
                if (diff != null) {
                    differences.add(p.step().resource() + " " + p.step().name() + ": " + diff);
                }
            }
            compareMillis = (System.nanoTime() - t1) / 1_000_000;
        } finally {
            long t2 = System.nanoTime();
            removeScratch(created, scratch);
            cleanupMillis = (System.nanoTime() - t2) / 1_000_000;
        }
        return new Verification(scratch, planned.size() - 1, millis, differences, notRun,
                new Timings(readMillis, millis, compareMillis, cleanupMillis));
    }

    /**
     * Deletes the scratch copies a collection per kind (one call each, not one per object), then the namespace; on a
     * real cluster the namespace's deletion alone would take them, fabric8's mock server does not cascade.
     */
    private void removeScratch(List<Planned> created, String scratch) {
        Set<ResourceType> kinds = new java.util.LinkedHashSet<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            kinds.add(created.get(i).item().type());
        }
        for (ResourceType t : kinds) {
            try {
                var op = client.genericKubernetesResources(t.context());
                if (t.namespaced()) {
                    op.inNamespace(scratch).delete();
                } else {
                    op.withName(scratch).delete();
                }
            } catch (KubernetesClientException e) {
                for (Planned p : created) {
                    if (p.item().type().equals(t)) {
                        try {
                            resource(p.item()).delete();
                        } catch (KubernetesClientException ignored) {
                            // Left for the namespace's deletion on a real cluster.
                        }
                    }
                }
            }
        }
    }

    /**
     * Kinds a verify does not create: each would start pods of the app in the scratch namespace (a copy of a
     * consumer would take messages meant for the real one).
     */
    private static final Set<String> WOULD_RUN = Set.of("pods", "jobs.batch", "daemonsets.apps");

    /** Scratch copies never run: workloads at zero replicas, CronJobs suspended. */
    @SuppressWarnings("unchecked")
    private static void idle(Item item) {
        if (item.object().getAdditionalProperties().get("spec") instanceof Map<?, ?> spec) {
            switch (item.dir()) {
                case "deployments.apps", "statefulsets.apps", "replicasets.apps" ->
                        ((Map<String, Object>) spec).put("replicas", 0);
                case "cronjobs.batch" -> ((Map<String, Object>) spec).put("suspend", true);
                default -> { }
            }
        }
    }

    private Resource<GenericKubernetesResource> resource(Item item) {
        var op = client.genericKubernetesResources(item.type().context());
        return item.type().namespaced()
                ? op.inNamespace(item.object().getMetadata().getNamespace()).resource(item.object())
                : op.resource(item.object());
    }

    /**
     * Polls each CRD (every 200 ms, one deadline for all) rather than watching it: as the chart CRDs of a Helm
     * deploy ({@code ChartCrds}). A watch closed on its timeout stalled fabric8's mock server for a minute.
     */
    private void awaitEstablished(List<String> crds, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String name : crds) {
            while (!established(client.apiextensions().v1().customResourceDefinitions().withName(name).get())) {
                if (System.nanoTime() >= deadline) {
                    throw new DeployGuardException(ExitCode.FAILURE, "CustomResourceDefinition " + name + " was not"
                            + " Established within " + timeout.toSeconds() + "s, so nothing after the CRDs was"
                            + " restored (its custom resources would be refused); check the API server's"
                            + " apiextensions controller, then run the restore again");
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeployGuardException(ExitCode.FAILURE, "interrupted while waiting for CRDs", e);
                }
            }
        }
    }

    static boolean established(CustomResourceDefinition crd) {
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The namespace a backup was taken from (its namespaced objects' directory). */
    private static String sourceNamespace(Map<String, byte[]> entries, Path tarball) {
        Set<String> namespaces = new TreeSet<>();
        for (String key : entries.keySet()) {
            String[] p = key.split("/");
            if (p.length == 5 && p[0].equals("resources") && p[2].equals("namespaces") && p[4].endsWith(".json")) {
                namespaces.add(p[3]);
            }
        }
        if (namespaces.size() != 1) {
            throw DeployGuardException.badInput(tarball + " holds objects of " + namespaces.size() + " namespaces "
                    + namespaces + "; a namespace restore takes a backup of exactly one");
        }
        return namespaces.iterator().next();
    }

    /** {@code lookUp} false: the target is known to be empty (a new scratch namespace), every object is a CREATE. */
    private List<Planned> planned(Map<String, byte[]> entries, Path tarball, Options o, boolean lookUp) {
        byte[] version = entries.get("metadata/version");
        if (version == null || !new String(version, StandardCharsets.US_ASCII).trim().startsWith("1.")) {
            throw DeployGuardException.badInput(tarball + " is not a Velero backup (metadata/version "
                    + (version == null ? "missing" : "'" + new String(version, StandardCharsets.US_ASCII).trim()
                    + "', expected 1.x") + "); nothing was restored");
        }
        List<Item> items = new ArrayList<>();
        Set<String> namespaces = new TreeSet<>();
        for (var e : entries.entrySet()) {
            String[] p = e.getKey().split("/");
            boolean namespaced = p.length == 5 && p[0].equals("resources") && p[2].equals("namespaces");
            boolean cluster = p.length == 4 && p[0].equals("resources") && p[2].equals("cluster");
            if (!(namespaced || cluster) || !p[p.length - 1].endsWith(".json")) {
                continue; // metadata, and the -preferredversion copies of the same objects
            }
            GenericKubernetesResource obj;
            try {
                obj = Serialization.unmarshal(new String(e.getValue(), StandardCharsets.UTF_8),
                        GenericKubernetesResource.class);
            } catch (RuntimeException ex) {
                throw DeployGuardException.badInput(e.getKey() + " in " + tarball + " is not a Kubernetes object: "
                        + ex.getMessage() + "; nothing was restored");
            }
            items.add(new Item(ResourceType.of(p[1], obj.getApiVersion(), obj.getKind(), namespaced), p[1], obj));
            if (namespaced) {
                namespaces.add(p[3]);
            }
        }
        if (namespaces.size() != 1) {
            throw DeployGuardException.badInput(tarball + " holds objects of " + namespaces.size() + " namespaces "
                    + namespaces + "; a namespace restore takes a backup of exactly one");
        }
        String source = namespaces.iterator().next();
        String target = o.targetNamespace() == null ? source : o.targetNamespace();
        Set<String> backendServices = new HashSet<>();
        for (Item i : items) {
            if (WEBHOOKS.contains(i.dir())) {
                backendServices.addAll(WebhookBackends.servicesIn(i.object(), source));
            }
        }
        List<Map<String, String>> backendSelectors = new ArrayList<>();
        for (Item i : items) {
            if (i.dir().equals("services") && backendServices.contains(i.object().getMetadata().getName())) {
                backendSelectors.add(stringMap(specField(i.object(), "selector")));
            }
        }
        String backup = backupName(tarball);
        Existing existing = new Existing(client);
        List<Planned> out = new ArrayList<>();
        for (Item i : items) {
            Phase phase = phase(i, backendServices, backendSelectors);
            GenericKubernetesResource obj = prepare(i, source, target, backup, o.restoreName());
            Item ready = new Item(i.type(), i.dir(), obj);
            String ns = i.type().namespaced() ? target : null;
            Step step;
            if (NEVER_RESTORED.contains(i.dir())) {
                step = new Step(phase, i.dir(), ns, obj.getMetadata().getName(), Action.SKIP,
                        "never restored (Velero's skip list)");
            } else {
                if (!lookUp || !existing.contains(ready.type(), ns, obj.getMetadata().getName())) {
                    step = new Step(phase, i.dir(), ns, obj.getMetadata().getName(), Action.CREATE, null);
                } else if (o.existing() == ExistingPolicy.UPDATE) {
                    step = new Step(phase, i.dir(), ns, obj.getMetadata().getName(), Action.OVERWRITE,
                            "exists; existing-object policy update");
                } else {
                    step = new Step(phase, i.dir(), ns, obj.getMetadata().getName(), Action.SKIP,
                            "exists; existing-object policy none");
                }
            }
            out.add(new Planned(step, ready));
        }
        out.sort(Comparator.comparing((Planned p) -> p.step().phase()).thenComparing(p -> p.step().resource())
                .thenComparing(p -> p.step().name()));
        return out;
    }

    private boolean exists(Item i) {
        try {
            return resource(i).get() != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static Phase phase(Item i, Set<String> backendServices, List<Map<String, String>> selectors) {
        String dir = i.dir();
        if (dir.equals(ResourceType.CRD.dir())) {
            return Phase.CRDS;
        }
        if (dir.equals("namespaces")) {
            return Phase.NAMESPACES;
        }
        if (RBAC.contains(dir)) {
            return Phase.RBAC;
        }
        if (CONFIG.contains(dir)) {
            return Phase.CONFIG;
        }
        if (dir.equals("services") && backendServices.contains(i.object().getMetadata().getName())) {
            return Phase.WEBHOOK_BACKENDS;
        }
        if (dir.equals("deployments.apps")) {
            Object template = specField(i.object(), "template");
            Map<String, String> labels = template instanceof Map<?, ?> t && t.get("metadata") instanceof Map<?, ?> m
                    ? stringMap(m.get("labels")) : Map.of();
            for (Map<String, String> sel : selectors) {
                if (!sel.isEmpty() && labels.entrySet().containsAll(sel.entrySet())) {
                    return Phase.WEBHOOK_BACKENDS;
                }
            }
        }
        if (WEBHOOKS.contains(dir)) {
            return Phase.WEBHOOKS;
        }
        return Phase.OTHERS;
    }

    /**
     * The object as Velero restores it: metadata stripped, no status, in the target namespace, labelled. Changed in
     * place (each plan parses its own objects from the tarball; a copy cost a JSON round trip per object).
     */
    @SuppressWarnings("unchecked")
    private static GenericKubernetesResource prepare(Item i, String source, String target, String backup,
                                                     String restore) {
        GenericKubernetesResource obj = i.object();
        var meta = obj.getMetadata();
        meta.setGenerateName(null);
        meta.setSelfLink(null);
        meta.setUid(null);
        meta.setResourceVersion(null);
        meta.setGeneration(null);
        meta.setCreationTimestamp(null);
        meta.setDeletionTimestamp(null);
        meta.setDeletionGracePeriodSeconds(null);
        meta.setOwnerReferences(null);
        meta.setManagedFields(null);
        obj.getAdditionalProperties().remove("status");
        if (i.type().namespaced()) {
            meta.setNamespace(target);
        }
        if (i.dir().equals("namespaces")) {
            meta.setName(target);
        }
        Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put("velero.io/backup-name", backup);
        labels.put("velero.io/restore-name", restore);
        meta.setLabels(labels);
        if (i.dir().equals("rolebindings.rbac.authorization.k8s.io")
                && obj.getAdditionalProperties().get("subjects") instanceof List<?> subjects) {
            for (Object s : subjects) {
                if (s instanceof Map<?, ?> m && source.equals(m.get("namespace"))) {
                    ((Map<String, Object>) m).put("namespace", target);
                }
            }
        }
        if (i.dir().equals("services") && obj.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                && !"None".equals(spec.get("clusterIP"))) {
            // The cluster IP was the old cluster's allocation (Velero's service action drops it too).
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
        }
        if (WEBHOOKS.contains(i.dir())) {
            WebhookBackends.remap(obj, source, target);
        }
        return obj;
    }

    private static Map<?, ?> asMap(GenericKubernetesResource obj) {
        return Serialization.unmarshal(Serialization.asJson(obj), Map.class);
    }

    private static Object specField(GenericKubernetesResource obj, String field) {
        return obj.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec ? spec.get(field) : null;
    }

    private static Map<String, String> stringMap(Object o) {
        Map<String, String> out = new HashMap<>();
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        }
        return out;
    }

    private static String backupName(Path tarball) {
        String f = tarball.getFileName().toString();
        return f.endsWith(".tar.gz") ? f.substring(0, f.length() - ".tar.gz".length()) : f;
    }
}
