package dev.deployguard.kubernetes.backup;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Backs up one namespace's objects into a Velero-format tarball: the namespace, every object of the built-in
 * namespaced kinds and of every namespaced CRD (with the CRDs that have objects here), and the admission webhook
 * configurations whose service lives in the namespace.
 */
public final class NamespaceBackup {
    /** Velero's {@code BackupFormatVersion}. */
    static final String FORMAT_VERSION = "1.1.0";

    private final KubernetesClient client;

    public NamespaceBackup(KubernetesClient client) {
        this.client = client;
    }

    /** What a backup holds: objects per Velero resource directory. */
    public record Summary(Path file, Map<String, Integer> objects) {
        public int total() {
            return objects.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    public Summary backup(String namespace, Path file) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        GenericKubernetesResource ns = client.genericKubernetesResources(ResourceType.NAMESPACE.context())
                .withName(namespace).get();
        if (ns == null) {
            throw dev.deployguard.error.DeployGuardException.notFound("namespace '" + namespace + "' does not exist");
        }
        add(entries, counts, ResourceType.NAMESPACE, ns);
        List<ResourceType> types = new ArrayList<>(ResourceType.BUILT_IN);
        Map<ResourceType, CustomResourceDefinition> crdOf = new java.util.HashMap<>();
        for (CustomResourceDefinition crd : client.apiextensions().v1().customResourceDefinitions().list().getItems()) {
            if (!"Namespaced".equals(crd.getSpec().getScope())) {
                continue;
            }
            String version = crd.getSpec().getVersions().stream().filter(CustomResourceDefinitionVersion::getStorage)
                    .map(CustomResourceDefinitionVersion::getName).findFirst()
                    .orElse(crd.getSpec().getVersions().get(0).getName());
            ResourceType t = new ResourceType(crd.getSpec().getGroup(), version, crd.getSpec().getNames().getKind(),
                    crd.getSpec().getNames().getPlural(), true);
            types.add(t);
            crdOf.put(t, crd);
        }
        for (ResourceType t : types) {
            List<GenericKubernetesResource> items;
            try {
                items = client.genericKubernetesResources(t.context()).inNamespace(namespace).list().getItems();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404 || e.getCode() == 403) {
                    continue; // Not served by this cluster, or not ours to list: nothing of it to back up.
                }
                throw e;
            }
            for (GenericKubernetesResource item : items) {
                add(entries, counts, t, item);
            }
            if (!items.isEmpty() && crdOf.containsKey(t)) {
                // As Velero does: a CR is restorable only with its definition, so the CRD goes with it.
                add(entries, counts, ResourceType.CRD, client.genericKubernetesResources(ResourceType.CRD.context())
                        .withName(crdOf.get(t).getMetadata().getName()).get());
            }
        }
        for (ResourceType hooks : List.of(ResourceType.VALIDATING_WEBHOOK, ResourceType.MUTATING_WEBHOOK)) {
            for (GenericKubernetesResource w : client.genericKubernetesResources(hooks.context()).list().getItems()) {
                if (WebhookBackends.servicesIn(w, namespace).size() > 0) {
                    add(entries, counts, hooks, w);
                }
            }
        }
        entries.put("metadata/version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        Tarball.write(file, entries);
        return new Summary(file, counts);
    }

    private static void add(Map<String, byte[]> entries, Map<String, Integer> counts, ResourceType t,
                            GenericKubernetesResource item) {
        Objects.requireNonNull(item, "object vanished during the backup");
        if (item.getApiVersion() == null) {
            item.setApiVersion(t.apiVersion());
        }
        if (item.getKind() == null) {
            item.setKind(t.kind());
        }
        byte[] json = Serialization.asJson(item).getBytes(StandardCharsets.UTF_8);
        String scope = t.namespaced() ? "namespaces/" + item.getMetadata().getNamespace() : "cluster";
        String name = item.getMetadata().getName() + ".json";
        entries.put("resources/" + t.dir() + "/" + scope + "/" + name, json);
        // Format 1.1: the same object under its preferred version, beside the classic path.
        entries.put("resources/" + t.dir() + "/" + t.version() + "-preferredversion/" + scope + "/" + name, json);
        counts.merge(t.dir(), 1, Integer::sum);
    }
}
