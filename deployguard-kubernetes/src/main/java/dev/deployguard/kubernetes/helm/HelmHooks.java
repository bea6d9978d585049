package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a release's hooks for one event as helm's {@code Configuration.execHook} does (helm/helm
 * {@code pkg/action/hooks.go}; the annotations as documented in helm/helm-www {@code content/en/docs/topics/charts_hooks.md}):
 * the hooks of the event sorted by {@code helm.sh/hook-weight}, then by kind in helm's install order, then by name;
 * for each, a hook without delete policy gets {@code before-hook-creation}, the previous object of that policy is
 * deleted (and its deletion awaited), {@code last_run} is set {@code Running} and the release recorded, the object
 * is created and — a Job or a Pod — awaited until it completes; a failed hook is marked {@code Failed}, deleted
 * when its policy says {@code hook-failed}, and fails the operation. When all succeeded, those whose policy says
 * {@code hook-succeeded} are deleted, last first. The hooks' {@code last_run} in the release document is updated
 * in place, as helm updates its in-memory release.
 */
final class HelmHooks {
    /** helm's {@code releaseutil.InstallOrder} (helm/helm {@code pkg/releaseutil/kind_sorter.go}). */
    private static final List<String> INSTALL_ORDER = List.of("PriorityClass", "Namespace", "NetworkPolicy",
            "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret",
            "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
            "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
            "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet",
            "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet",
            "Job", "CronJob", "IngressClass", "Ingress", "APIService", "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String BEFORE_HOOK_CREATION = "before-hook-creation";
    static final String HOOK_SUCCEEDED = "hook-succeeded";
    static final String HOOK_FAILED = "hook-failed";

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final Duration timeout;
    private final Duration pollEvery;

    HelmHooks(KubernetesClient client, String namespace, Clock clock, Duration timeout, Duration pollEvery) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.timeout = timeout;
        this.pollEvery = pollEvery;
    }

    /** A hook failed; the message is helm's error text (the caller words the release's description around it). */
    static final class Failed extends DeployGuardException {
        Failed(String message, Throwable cause) {
            super(ExitCode.DEPLOY_FAILED, message, cause);
        }
    }

    /**
     * Runs the hooks of {@code event} ({@code pre-upgrade}, {@code post-rollback}, ...) of the release document
     * {@code doc}, calling {@code record} with the document whenever helm records the release (as each hook starts).
     *
     * @throws Failed when a hook's object cannot be created, its Job or Pod fails or does not finish in time
     */
    void run(ObjectNode doc, String event, Consumer<ObjectNode> record) {
        List<ObjectNode> hooks = new ArrayList<>();
        if (doc.get("hooks") instanceof ArrayNode all) {
            for (JsonNode h : all) {
                for (JsonNode e : h.path("events")) {
                    if (e.asText().equals(event) && h instanceof ObjectNode o) {
                        hooks.add(o);
                    }
                }
            }
        }
        hooks.sort(Comparator.comparingInt((ObjectNode h) -> h.path("weight").asInt())
                .thenComparingInt(h -> kindOrder(h.path("kind").asText()))
                .thenComparing(h -> INSTALL_ORDER.contains(h.path("kind").asText()) ? "" : h.path("kind").asText())
                .thenComparing(h -> h.path("name").asText()));
        for (ObjectNode h : hooks) {
            if (!(h.get("delete_policies") instanceof ArrayNode p) || p.isEmpty()) {
                h.putArray("delete_policies").add(BEFORE_HOOK_CREATION);
            }
            deleteByPolicy(h, BEFORE_HOOK_CREATION);
            HasMetadata object = build(h);
            ObjectNode lastRun = h.putObject("last_run");
            lastRun.put("started_at", now()).put("completed_at", "").put("phase", "Running");
            record.accept(doc);
            try {
                client.resource(object).create();
            } catch (KubernetesClientException e) {
                lastRun.put("completed_at", now()).put("phase", "Failed");
                throw new Failed("warning: Hook " + event + " " + h.path("path").asText() + " failed: "
                        + ApiFailures.onObject(e, "create", object, namespace, client).getMessage(), e);
            }
            String failure = awaitDone(object);
            lastRun.put("completed_at", now());
            if (failure != null) {
                lastRun.put("phase", "Failed");
                deleteByPolicy(h, HOOK_FAILED);
                throw new Failed(failure, null);
            }
            lastRun.put("phase", "Succeeded");
        }
        for (int i = hooks.size() - 1; i >= 0; i--) {
            deleteByPolicy(hooks.get(i), HOOK_SUCCEEDED);
        }
    }

    private static int kindOrder(String kind) {
        int i = INSTALL_ORDER.indexOf(kind);
        return i < 0 ? INSTALL_ORDER.size() : i;
    }

    private HasMetadata build(ObjectNode hook) {
        Object parsed = client.getKubernetesSerialization().unmarshal(hook.path("manifest").asText());
        if (!(parsed instanceof HasMetadata object)) {
            throw DeployGuardException.badInput("Hook " + hook.path("path").asText() + " is not a Kubernetes object.");
        }
        boolean namespaced = object instanceof Namespaced || object instanceof GenericKubernetesResource;
        if (namespaced && object.getMetadata().getNamespace() == null) {
            object.getMetadata().setNamespace(namespace);
        }
        return object;
    }

    /** helm's {@code deleteHookByPolicy}: CRDs are never deleted; deletion is awaited to avoid conflicts. */
    private void deleteByPolicy(ObjectNode hook, String policy) {
        if (hook.path("kind").asText().equals("CustomResourceDefinition")) {
            return;
        }
        boolean has = false;
        for (JsonNode p : hook.path("delete_policies")) {
            has |= p.asText().equals(policy);
        }
        if (!has) {
            return;
        }
        HasMetadata object = build(hook);
        try {
            client.resource(object).delete();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (client.resource(object).get() != null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new Failed("timed out waiting for the condition (deletion of hook "
                            + ReleaseManifest.describe(object) + ")", null);
                }
                pause();
            }
        } catch (KubernetesClientException e) {
            throw ApiFailures.onObject(e, "delete", object, namespace, client);
        }
    }

    /**
     * helm's {@code WatchUntilReady}: waits for a Job to complete or a Pod to succeed; other kinds are done once
     * created. Returns helm's error text, or null when the hook succeeded.
     */
    private String awaitDone(HasMetadata object) {
        String kind = object.getKind();
        if (!kind.equals("Job") && !kind.equals("Pod")) {
            return null;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            GenericKubernetesResource live;
            try {
                live = client.genericKubernetesResources(object.getApiVersion(), kind)
                        .inNamespace(object.getMetadata().getNamespace()).withName(object.getMetadata().getName())
                        .get();
            } catch (KubernetesClientException e) {
                return ApiFailures.onObject(e, "get", object, namespace, client).getMessage();
            }
            String name = object.getMetadata().getName();
            if (live != null) {
                Object status = live.getAdditionalProperties().get("status");
                JsonNode s = status == null ? null : JSON.valueToTree(status);
                if (s != null && kind.equals("Job")) {
                    for (JsonNode c : s.path("conditions")) {
                        boolean isTrue = c.path("status").asText().equals("True");
                        if (isTrue && c.path("type").asText().equals("Complete")) {
                            return null;
                        }
                        if (isTrue && c.path("type").asText().equals("Failed")) {
                            return "job " + name + " failed: " + c.path("reason").asText();
                        }
                    }
                } else if (s != null) {
                    switch (s.path("phase").asText()) {
                        case "Succeeded" -> {
                            return null;
                        }
                        case "Failed" -> {
                            return "pod " + name + " failed";
                        }
                        default -> {
                        }
                    }
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                return "timed out waiting for the condition";
            }
            pause();
        }
    }

    private void pause() {
        try {
            Thread.sleep(pollEvery.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeployGuardException(ExitCode.FAILURE, "interrupted while running Helm hooks", e);
        }
    }

    private String now() {
        return HelmTime.format(clock.instant());
    }
}
