package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TEST SUPPORT, NOT PRODUCTION: plays the Deployment controller that fabric8's mock API server lacks. Each
 * {@link #step()} reconciles every Deployment once, as kube-controller-manager would: a template no ReplicaSet
 * matches gets a new ReplicaSet {@code <deployment>-<pod-template-hash>} with revision max+1; a template an older
 * ReplicaSet matches re-uses it and bumps its revision (a rollback); Deployment annotations (change-cause, ...) are
 * copied to the new ReplicaSet; old ReplicaSets are scaled to 0; status (observedGeneration, replicas, conditions)
 * is written. Pods become ready one step after their ReplicaSet is scaled up, unless the Deployment is set to
 * {@link Outcome#FAILING} (progress deadline exceeded) or {@link Outcome#STALLED}, or runs an image marked with
 * {@link #failImage}.
 */
public final class ClusterSimulator {
    /** How a Deployment's new pods behave. */
    public enum Outcome { HEALTHY, FAILING, STALLED }

    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    private static final Set<String> NOT_COPIED = Set.of(REVISION, REVISION_HISTORY,
            "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/desired-replicas",
            "deployment.kubernetes.io/max-replicas");
    private static final String HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final KubernetesClient client;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Set<String> scaledUpLastStep = new HashSet<>();
    private final Set<String> failingImages = ConcurrentHashMap.newKeySet();

    public ClusterSimulator(KubernetesClient client) {
        this.client = client;
    }

    /** From now on, the new pods of {@code namespace/deployment} behave as {@code outcome}. */
    public void outcome(String namespace, String deployment, Outcome outcome) {
        outcomes.put(namespace + "/" + deployment, outcome);
    }

    /** From now on, pods running {@code image} never become ready: their rollouts exceed the progress deadline. */
    public void failImage(String image) {
        failingImages.add(image);
    }

    /** Reconciles every Deployment once; returns the number of objects written. */
    public synchronized int step() {
        int writes = 0;
        for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
            writes += reconcile(d);
        }
        return writes;
    }

    /** Steps until nothing changes any more (at most {@code max} steps); returns the steps taken. */
    public int settle(int max) {
        for (int i = 1; i <= max; i++) {
            if (step() == 0) {
                return i;
            }
        }
        throw new AssertionError("cluster did not settle in " + max + " steps");
    }

    /** Steps every {@code everyMillis} ms on a daemon thread until the returned handle is closed. */
    public AutoCloseable runInBackground(long everyMillis) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    step();
                    Thread.sleep(everyMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the API server may be going away at the end of a test; try again next tick
                }
            }
        }, "cluster-simulator");
        t.setDaemon(true);
        t.start();
        return () -> {
            t.interrupt();
            t.join(5_000);
        };
    }

    private int reconcile(Deployment d) {
        String ns = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName();
        boolean badImage = d.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> failingImages.contains(c.getImage()));
        Outcome outcome = outcomes.getOrDefault(ns + "/" + name, badImage ? Outcome.FAILING : Outcome.HEALTHY);
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        List<ReplicaSet> owned = owned(d);
        JsonNode template = normalized(d.getSpec().getTemplate());
        ReplicaSet current = owned.stream().filter(rs -> normalized(rs.getSpec().getTemplate()).equals(template))
                .findFirst().orElse(null);
        long maxOther = owned.stream().filter(rs -> rs != current).mapToLong(ClusterSimulator::revision).max()
                .orElse(0);
        String newRevision = Long.toString(maxOther + 1);
        int writes = 0;
        if (current == null) {
            owned.add(create(d, newRevision, replicas));
            writes++;
        } else if (annotate(d, current, newRevision)) {
            owned.set(owned.indexOf(current), client.apps().replicaSets().inNamespace(ns).resource(current).update());
            writes++;
        }
        ReplicaSet newest = owned.stream().filter(rs -> normalized(rs.getSpec().getTemplate()).equals(template))
                .findFirst().orElseThrow();
        String revision = newest.getMetadata().getAnnotations().get(REVISION);
        if (!revision.equals(d.getMetadata().getAnnotations().get(REVISION))) {
            d = client.apps().deployments().inNamespace(ns).withName(name).edit(x -> {
                x.getMetadata().getAnnotations().put(REVISION, revision);
                return x;
            });
            writes++;
        }
        int ready = 0;
        for (ReplicaSet rs : owned) {
            boolean isNew = rs == newest;
            int want = isNew ? replicas : 0;
            String key = ns + "/" + rs.getMetadata().getName();
            if (!Objects.equals(rs.getSpec().getReplicas(), want)) {
                rs.getSpec().setReplicas(want);
                rs = client.apps().replicaSets().inNamespace(ns).resource(rs).update();
                writes++;
                if (want > 0) {
                    scaledUpLastStep.add(key);
                }
            }
            boolean podsReady = want > 0 && outcome == Outcome.HEALTHY && !scaledUpLastStep.remove(key);
            int rsReady = podsReady ? want : 0;
            if (isNew) {
                ready = rsReady;
            }
            ReplicaSetStatus status = new ReplicaSetStatusBuilder().withReplicas(want).withReadyReplicas(rsReady)
                    .withAvailableReplicas(rsReady).withFullyLabeledReplicas(want)
                    .withObservedGeneration(rs.getMetadata().getGeneration()).build();
            if (!status.equals(rs.getStatus())) {
                rs.setStatus(status);
                client.apps().replicaSets().inNamespace(ns).resource(rs).updateStatus();
                writes++;
            }
        }
        DeploymentStatus status = status(d, newest, replicas, ready, outcome);
        if (!status.equals(d.getStatus())) {
            d.setStatus(status);
            client.apps().deployments().inNamespace(ns).resource(d).updateStatus();
            writes++;
        }
        return writes;
    }

    private List<ReplicaSet> owned(Deployment d) {
        Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
        List<ReplicaSet> out = new ArrayList<>();
        for (ReplicaSet rs : client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace())
                .withLabels(selector).list().getItems()) {
            boolean mine = rs.getMetadata().getOwnerReferences().stream().anyMatch(o ->
                    Boolean.TRUE.equals(o.getController()) && d.getMetadata().getUid().equals(o.getUid()));
            if (mine) {
                out.add(rs);
            }
        }
        return out;
    }

    private ReplicaSet create(Deployment d, String revision, int replicas) {
        String hash = hash(normalized(d.getSpec().getTemplate()));
        PodTemplateSpec template = client.getKubernetesSerialization().clone(d.getSpec().getTemplate());
        template.getMetadata().getLabels().put("pod-template-hash", hash);
        Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getSelector().getMatchLabels());
        labels.put("pod-template-hash", hash);
        Map<String, String> annotations = copied(d);
        annotations.put(REVISION, revision);
        annotations.put("deployment.kubernetes.io/desired-replicas", Integer.toString(replicas));
        annotations.put("deployment.kubernetes.io/max-replicas", Integer.toString(replicas + 1));
        ReplicaSet rs = new ReplicaSetBuilder().withNewMetadata()
                .withName(d.getMetadata().getName() + "-" + hash).withNamespace(d.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(d.getMetadata().getName()).withUid(d.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec().withReplicas(0).withNewSelector().withMatchLabels(labels).endSelector()
                .withTemplate(template).endSpec().build();
        return client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(rs).create();
    }

    /** The controller's SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision. */
    private static boolean annotate(Deployment d, ReplicaSet rs, String newRevision) {
        Map<String, String> before = new HashMap<>(rs.getMetadata().getAnnotations());
        Map<String, String> annotations = rs.getMetadata().getAnnotations();
        annotations.putAll(copied(d));
        long old = revision(rs);
        if (old < Long.parseLong(newRevision)) {
            annotations.put(REVISION, newRevision);
            String history = annotations.get(REVISION_HISTORY);
            annotations.put(REVISION_HISTORY, history == null || history.isEmpty() ? Long.toString(old)
                    : history + "," + old);
        }
        return !annotations.equals(before);
    }

    private static Map<String, String> copied(Deployment d) {
        Map<String, String> out = new LinkedHashMap<>();
        d.getMetadata().getAnnotations().forEach((k, v) -> {
            if (!NOT_COPIED.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static DeploymentStatus status(Deployment d, ReplicaSet newest, int replicas, int ready,
                                           Outcome outcome) {
        String rsName = newest.getMetadata().getName();
        List<DeploymentCondition> conditions = new ArrayList<>();
        boolean complete = ready == replicas;
        conditions.add(condition("Available", complete ? "True" : "False",
                complete ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                complete ? "Deployment has minimum availability." : "Deployment does not have minimum availability."));
        if (outcome == Outcome.FAILING) {
            conditions.add(condition("Progressing", "False", "ProgressDeadlineExceeded",
                    "ReplicaSet \"" + rsName + "\" has timed out progressing."));
        } else if (complete) {
            conditions.add(condition("Progressing", "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rsName + "\" has successfully progressed."));
        } else {
            conditions.add(condition("Progressing", "True", "ReplicaSetUpdated",
                    "ReplicaSet \"" + rsName + "\" is progressing."));
        }
        return new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(ready)
                .withAvailableReplicas(ready).withUnavailableReplicas(replicas - ready > 0 ? replicas - ready : null)
                .withConditions(conditions).build();
    }

    private static DeploymentCondition condition(String type, String status, String reason, String message) {
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).build();
    }

    private static long revision(ReplicaSet rs) {
        String r = rs.getMetadata().getAnnotations().get(REVISION);
        try {
            return r == null ? 0 : Long.parseLong(r);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The pod template without the pod-template-hash label and empty values, as the API server would default it. */
    private JsonNode normalized(PodTemplateSpec template) {
        try {
            JsonNode tree = json.readTree(client.getKubernetesSerialization().asJson(template));
            if (tree.path("metadata").path("labels") instanceof ObjectNode labels) {
                labels.remove("pod-template-hash");
            }
            return prune(tree);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode prune(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = ((ObjectNode) n).objectNode();
            n.properties().forEach(e -> {
                JsonNode v = prune(e.getValue());
                if (!v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
                    out.set(e.getKey(), v);
                }
            });
            return out;
        }
        if (n.isArray()) {
            var out = ((com.fasterxml.jackson.databind.node.ArrayNode) n).arrayNode();
            n.forEach(v -> out.add(prune(v)));
            return out;
        }
        return n;
    }

    private static String hash(JsonNode template) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(template.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                sb.append(HASH_ALPHABET.charAt((digest[i] & 0xff) % HASH_ALPHABET.length()));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
