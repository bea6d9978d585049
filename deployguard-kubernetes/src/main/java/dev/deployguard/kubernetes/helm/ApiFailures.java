package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Locale;

/**
 * The Helm code's door to the module's one translation of API failures
 * ({@link dev.deployguard.kubernetes.client.ApiFailures}): names the verb and resource of release records and of
 * release objects so the message says what RBAC must allow.
 */
final class ApiFailures {
    private ApiFailures() {
    }

    /** A failed call on a release record (a Secret). */
    static DeployGuardException onRecord(KubernetesClientException e, String verb, String namespace, String name,
                                         KubernetesClient client) {
        return dev.deployguard.kubernetes.client.ApiFailures.translate(e,
                new dev.deployguard.kubernetes.client.ApiFailures.Call(verb, "secrets", namespace, name), client);
    }

    /** A failed call on one of a release's objects. */
    static DeployGuardException onObject(KubernetesClientException e, String verb, HasMetadata o, String namespace,
                                         KubernetesClient client) {
        String ns = o.getMetadata().getNamespace() == null ? namespace : o.getMetadata().getNamespace();
        return dev.deployguard.kubernetes.client.ApiFailures.translate(e,
                new dev.deployguard.kubernetes.client.ApiFailures.Call(verb, resource(o), ns,
                        o.getMetadata().getName()), client);
    }

    static boolean isConflict(KubernetesClientException e) {
        return e.getCode() == HttpURLConnection.HTTP_CONFLICT;
    }

    /** The resource name RBAC rules use: {@code deployments.apps}, {@code configmaps}. */
    static String resource(HasMetadata o) {
        if (!(o instanceof GenericKubernetesResource)) {
            return HasMetadata.getFullResourceName(o.getClass());
        }
        String apiVersion = o.getApiVersion() == null ? "" : o.getApiVersion();
        String group = apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        return o.getKind().toLowerCase(Locale.ROOT) + "s" + group;
    }
}
