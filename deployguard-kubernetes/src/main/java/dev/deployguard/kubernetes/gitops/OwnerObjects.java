package dev.deployguard.kubernetes.gitops;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.client.ApiFailures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reads and writes Argo CD and Flux objects as generic resources. Every write is a read-modify-update guarded by the
 * object's resourceVersion, retried from a fresh read on 409 a bounded number of times (as Argo CD's own
 * {@code SetAppOperation} does), so a change never lands on top of one it did not see.
 */
final class OwnerObjects {
    static final int MAX_ATTEMPTS = 5;

    private final KubernetesClient client;

    OwnerObjects(KubernetesClient client) {
        this.client = client;
    }

    /** The object, or null when there is none. */
    GenericKubernetesResource get(Controller c, String namespace, String name) {
        try {
            return client.genericKubernetesResources(c.context()).inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null; // the CRD itself is not installed: no such object either
            }
            throw ApiFailures.translate(e, new ApiFailures.Call("get", c.resource(), namespace, name), client);
        }
    }

    /** The object, or a NOT_FOUND error that says how to list the ones there are. */
    GenericKubernetesResource require(Controller c, String namespace, String name) {
        GenericKubernetesResource r = get(c, namespace, name);
        if (r == null) {
            throw DeployGuardException.notFound(c.title() + " \"" + name + "\" not found in namespace \"" + namespace
                    + "\"; list them with: kubectl get " + c.resource() + " -n " + namespace);
        }
        return r;
    }

    /**
     * Applies {@code change} to a fresh copy and updates it; a 409 re-reads and re-applies. {@code change} may throw
     * to refuse (nothing is written then).
     */
    GenericKubernetesResource update(Controller c, String namespace, String name,
                                     UnaryOperator<GenericKubernetesResource> change) {
        for (int attempt = 1; ; attempt++) {
            GenericKubernetesResource fresh = require(c, namespace, name);
            GenericKubernetesResource changed = change.apply(fresh);
            try {
                return client.genericKubernetesResources(c.context()).inNamespace(namespace).resource(changed)
                        .update();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < MAX_ATTEMPTS) {
                    continue;
                }
                if (e.getCode() == 409) {
                    throw new DeployGuardException(ExitCode.FAILURE, c.title() + " " + namespace + "/" + name
                            + " changed under us " + MAX_ATTEMPTS + " times in a row (409 conflict); nothing was"
                            + " written; try again", e);
                }
                throw ApiFailures.translate(e, new ApiFailures.Call("update", c.resource(), namespace, name), client);
            }
        }
    }

    /** The nested value at {@code path}, or null. */
    static Object at(GenericKubernetesResource r, String... path) {
        Object node = r.getAdditionalProperties();
        for (String p : path) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(p);
        }
        return node;
    }

    static String text(GenericKubernetesResource r, String... path) {
        Object v = at(r, path);
        return v == null ? null : v.toString();
    }

    static boolean flag(GenericKubernetesResource r, String... path) {
        Object v = at(r, path);
        return Boolean.TRUE.equals(v) || "true".equals(v);
    }

    static long number(GenericKubernetesResource r, String... path) {
        Object v = at(r, path);
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return v == null ? 0 : Long.parseLong(v.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(GenericKubernetesResource r, String... path) {
        Object v = at(r, path);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    /** The map at {@code path}, created (with its parents) when absent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(GenericKubernetesResource r, String... path) {
        Map<String, Object> node = r.getAdditionalProperties();
        for (String p : path) {
            Object next = node.get(p);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                node.put(p, next);
            }
            node = (Map<String, Object>) next;
        }
        return node;
    }

    /** Sets {@code metadata.annotations[key]}. */
    static void annotate(GenericKubernetesResource r, String key, String value) {
        Map<String, String> a = r.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(r.getMetadata().getAnnotations());
        if (value == null) {
            a.remove(key);
        } else {
            a.put(key, value);
        }
        r.getMetadata().setAnnotations(a);
    }
}
