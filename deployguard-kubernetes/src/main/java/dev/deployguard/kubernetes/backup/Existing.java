package dev.deployguard.kubernetes.backup;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which objects already exist in the restore target, read with one list per resource and namespace instead of one
 * GET per object (a 1,000-object backup is a few calls, not a thousand). A resource the caller may not list is
 * answered with a GET of the one object.
 */
final class Existing {
    private final KubernetesClient client;
    private final Map<String, Optional<Set<String>>> listed = new HashMap<>();

    Existing(KubernetesClient client) {
        this.client = client;
    }

    /** {@code namespace} null for a cluster-scoped object. */
    boolean contains(ResourceType type, String namespace, String name) {
        Optional<Set<String>> names = listed.computeIfAbsent(type.dir() + "/" + namespace, k -> list(type, namespace));
        if (names.isPresent()) {
            return names.get().contains(name);
        }
        var op = client.genericKubernetesResources(type.context());
        try {
            return (namespace == null ? op.withName(name) : op.inNamespace(namespace).withName(name)).get() != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private Optional<Set<String>> list(ResourceType type, String namespace) {
        var op = client.genericKubernetesResources(type.context());
        try {
            Set<String> names = new HashSet<>();
            (namespace == null ? op.list() : op.inNamespace(namespace).list()).getItems()
                    .forEach(o -> names.add(o.getMetadata().getName()));
            return Optional.of(names);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 405) {
                return Optional.empty(); // may get but not list: ask per object
            }
            if (e.getCode() == 404) {
                return Optional.of(Set.of()); // the resource (e.g. a CRD's) is not served yet: nothing exists
            }
            throw e;
        }
    }
}
