package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves the cluster from one revision's objects to another's, as helm's {@code kube.Client.Update} does: each
 * target object is created when missing and, when present, three-way merged ({@link ThreeWayMerge}: the previous
 * manifest, the live object, the new manifest) and written back when that changes it (PUT, keeping the live
 * resourceVersion; retried on 409), so fields only others set survive; objects of the current revision that the target lacks are deleted unless annotated
 * {@code helm.sh/resource-policy: keep}. Target objects get helm's ownership metadata. An object that exists but
 * belongs to no revision being replaced is refused, as helm refuses it, rather than taken over silently.
 */
final class ManifestApplier {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String RELEASE_NAME = "meta.helm.sh/release-name";
    static final String RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";
    private static final int CONFLICT_RETRIES = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String namespace;
    private final LiveFields liveFields;

    ManifestApplier(KubernetesClient client, String namespace) {
        this(client, namespace, LiveFields.NONE);
    }

    ManifestApplier(KubernetesClient client, String namespace, LiveFields liveFields) {
        this.client = client;
        this.namespace = namespace;
        this.liveFields = liveFields;
    }

    /** What an update did; {@code created} is what a failed atomic install removes again. */
    record Result(List<HasMetadata> created, List<HasMetadata> updated, List<HasMetadata> deleted) {
        /** The target objects as applied (namespace filled in): what a readiness wait looks at. */
        List<HasMetadata> applied() {
            List<HasMetadata> all = new ArrayList<>(created);
            all.addAll(updated);
            return all;
        }
    }

    /** Thrown when a step fails part-way; carries what had been created by then. */
    static final class Failure extends DeployGuardException {
        private final transient List<HasMetadata> created;

        Failure(String message, List<HasMetadata> created, Throwable cause) {
            super(cause instanceof DeployGuardException d ? d.exitCode() : ExitCode.DEPLOY_FAILED, message, cause);
            this.created = List.copyOf(created);
        }

        List<HasMetadata> created() {
            return created;
        }
    }

    Result update(String release, List<HasMetadata> current, List<HasMetadata> target) {
        Map<String, HasMetadata> currentById = new LinkedHashMap<>();
        for (HasMetadata o : current) {
            currentById.put(ReleaseManifest.identity(placed(o)), o);
        }
        List<HasMetadata> created = new ArrayList<>();
        List<HasMetadata> updated = new ArrayList<>();
        Set<String> targetIds = new LinkedHashSet<>();
        for (HasMetadata o : target) {
            HasMetadata wanted = owned(placed(o), release);
            String id = ReleaseManifest.identity(wanted);
            targetIds.add(id);
            String verb = "get";
            try {
                HasMetadata live = client.resource(wanted).get();
                if (live == null) {
                    verb = "create";
                    client.resource(wanted).create();
                    created.add(wanted);
                } else if (!currentById.containsKey(id) && !ownedBy(live, release)) {
                    throw new DeployGuardException(ExitCode.FAILURE, ReleaseManifest.describe(wanted)
                            + " exists but does not belong to release " + release + "; helm would refuse to take it "
                            + "over too. Delete it, or label/annotate it as owned by the release ("
                            + MANAGED_BY + "=Helm, " + RELEASE_NAME + "=" + release + ").");
                } else {
                    verb = "update";
                    HasMetadata original = currentById.get(id);
                    wanted = liveFields.keep(merged(original == null ? null : placed(original), live, wanted), live);
                    if (!json(wanted).equals(json(live))) {
                        replace(wanted, live);
                    }
                    updated.add(wanted);
                }
            } catch (KubernetesClientException e) {
                DeployGuardException d = ApiFailures.onObject(e, verb, wanted, namespace, client);
                throw new Failure(d.getMessage(), created, d);
            } catch (DeployGuardException e) {
                throw new Failure(e.getMessage(), created, e);
            }
        }
        List<HasMetadata> deleted = new ArrayList<>();
        for (Map.Entry<String, HasMetadata> e : currentById.entrySet()) {
            if (targetIds.contains(e.getKey())) {
                continue;
            }
            HasMetadata gone = placed(e.getValue());
            String verb = "get";
            try {
                HasMetadata live = client.resource(gone).get();
                if (live == null || keep(live)) {
                    continue;
                }
                verb = "delete";
                client.resource(gone).delete();
                deleted.add(gone);
            } catch (KubernetesClientException ex) {
                DeployGuardException d = ApiFailures.onObject(ex, verb, gone, namespace, client);
                throw new Failure(d.getMessage(), created, d);
            }
        }
        return new Result(created, updated, deleted);
    }

    /** Deletes objects (a failed atomic install's); objects already gone are fine. */
    void delete(List<HasMetadata> objects) {
        for (HasMetadata o : objects) {
            try {
                client.resource(placed(o)).delete();
            } catch (KubernetesClientException e) {
                throw ApiFailures.onObject(e, "delete", o, namespace, client);
            }
        }
    }

    private void replace(HasMetadata wanted, HasMetadata live) {
        HasMetadata latest = live;
        for (int attempt = 1; ; attempt++) {
            wanted.getMetadata().setResourceVersion(latest.getMetadata().getResourceVersion());
            try {
                client.resource(wanted).update();
                return;
            } catch (KubernetesClientException e) {
                if (!ApiFailures.isConflict(e) || attempt >= CONFLICT_RETRIES) {
                    throw e;
                }
                latest = client.resource(wanted).get();
                if (latest == null) {
                    wanted.getMetadata().setResourceVersion(null);
                    client.resource(wanted).create();
                    return;
                }
            }
        }
    }

    /** helm's three-way merge: {@code live} moved from {@code original} to {@code wanted}, the rest kept. */
    private HasMetadata merged(HasMetadata original, HasMetadata live, HasMetadata wanted) {
        var merged = ThreeWayMerge.merge(original == null ? null : json(original), json(live), json(wanted));
        return (HasMetadata) client.getKubernetesSerialization().unmarshal(merged.toString());
    }

    private JsonNode json(HasMetadata o) {
        try {
            return JSON.readTree(client.getKubernetesSerialization().asJson(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("fabric8 wrote JSON that does not parse", e);
        }
    }

    /** A copy in the release's namespace when the object is namespaced and names none. */
    private HasMetadata placed(HasMetadata o) {
        HasMetadata copy = client.getKubernetesSerialization().clone(o);
        boolean namespaced = o instanceof Namespaced || o instanceof GenericKubernetesResource;
        if (namespaced && copy.getMetadata().getNamespace() == null) {
            copy.getMetadata().setNamespace(namespace);
        }
        return copy;
    }

    /** helm's {@code setMetadataVisitor}: the ownership label and annotations every release object carries. */
    private HasMetadata owned(HasMetadata o, String release) {
        Map<String, String> labels = new HashMap<>(nullToEmpty(o.getMetadata().getLabels()));
        labels.put(MANAGED_BY, "Helm");
        o.getMetadata().setLabels(labels);
        Map<String, String> annotations = new HashMap<>(nullToEmpty(o.getMetadata().getAnnotations()));
        annotations.put(RELEASE_NAME, release);
        annotations.put(RELEASE_NAMESPACE, namespace);
        o.getMetadata().setAnnotations(annotations);
        return o;
    }

    private static boolean ownedBy(HasMetadata live, String release) {
        return "Helm".equals(nullToEmpty(live.getMetadata().getLabels()).get(MANAGED_BY))
                && release.equals(nullToEmpty(live.getMetadata().getAnnotations()).get(RELEASE_NAME));
    }

    private static boolean keep(HasMetadata live) {
        return "keep".equals(nullToEmpty(live.getMetadata().getAnnotations()).get("helm.sh/resource-policy"));
    }

    private static Map<String, String> nullToEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
