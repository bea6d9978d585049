package dev.deployguard.kubernetes.backup;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Services an admission webhook configuration calls, read from its {@code webhooks[].clientConfig.service}. */
final class WebhookBackends {
    private WebhookBackends() {
    }

    /** Names of the Services in {@code namespace} that {@code config}'s webhooks call. */
    static List<String> servicesIn(GenericKubernetesResource config, String namespace) {
        List<String> out = new ArrayList<>();
        Object hooks = config.getAdditionalProperties().get("webhooks");
        if (hooks instanceof List<?> list) {
            for (Object h : list) {
                if (h instanceof Map<?, ?> hook && hook.get("clientConfig") instanceof Map<?, ?> cc
                        && cc.get("service") instanceof Map<?, ?> svc && namespace.equals(svc.get("namespace"))
                        && svc.get("name") instanceof String name) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** Points the webhooks that call {@code from} at {@code to} instead (restore into another namespace). */
    @SuppressWarnings("unchecked")
    static void remap(GenericKubernetesResource config, String from, String to) {
        Object hooks = config.getAdditionalProperties().get("webhooks");
        if (hooks instanceof List<?> list) {
            for (Object h : list) {
                if (h instanceof Map<?, ?> hook && hook.get("clientConfig") instanceof Map<?, ?> cc
                        && cc.get("service") instanceof Map<?, ?> svc && from.equals(svc.get("namespace"))) {
                    ((Map<String, Object>) svc).put("namespace", to);
                }
            }
        }
    }
}
