package dev.deployguard.kubernetes.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code helm template}'s output split as helm's {@code releaseutil.SortManifests} splits a release (helm/helm
 * {@code pkg/releaseutil/manifest_sorter.go}): documents annotated {@code helm.sh/hook} become the release's
 * {@code hooks} (name, kind, path, manifest, events, an empty {@code last_run}, weight, delete policies), the rest
 * its {@code manifest}, with the text exactly as rendered.
 */
record RenderedChart(String manifest, ArrayNode hooks) {
    private static final String SOURCE = "---\n# Source: ";
    private static final List<String> EVENTS = List.of("pre-install", "post-install", "pre-delete", "post-delete",
            "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "test");
    private static final List<String> POLICIES = List.of(HelmHooks.HOOK_SUCCEEDED, HelmHooks.HOOK_FAILED,
            HelmHooks.BEFORE_HOOK_CREATION);

    static RenderedChart split(String rendered, KubernetesSerialization serialization) {
        StringBuilder manifest = new StringBuilder();
        ArrayNode hooks = JsonNodeFactory.instance.arrayNode();
        int at = rendered.indexOf(SOURCE);
        if (at < 0) {
            return new RenderedChart(rendered, hooks);
        }
        while (at >= 0) {
            int next = rendered.indexOf("\n" + SOURCE, at + 1);
            String doc = next < 0 ? rendered.substring(at) : rendered.substring(at, next + 1);
            int lineEnd = doc.indexOf('\n', SOURCE.length());
            String path = doc.substring(SOURCE.length(), lineEnd < 0 ? doc.length() : lineEnd);
            String content = lineEnd < 0 ? "" : doc.substring(lineEnd + 1);
            ObjectNode hook = hook(path, content, serialization);
            if (hook == null) {
                manifest.append(doc);
            } else {
                hooks.add(hook);
            }
            at = next < 0 ? -1 : next + 1;
        }
        return new RenderedChart(manifest.toString(), hooks);
    }

    private static ObjectNode hook(String path, String content, KubernetesSerialization serialization) {
        Object parsed;
        try {
            parsed = serialization.unmarshal(content);
        } catch (RuntimeException e) {
            return null;
        }
        if (!(parsed instanceof HasMetadata object) || object.getMetadata() == null
                || object.getMetadata().getAnnotations() == null) {
            return null;
        }
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        String events = annotations.get("helm.sh/hook");
        if (events == null) {
            return null;
        }
        ObjectNode hook = JsonNodeFactory.instance.objectNode();
        hook.put("name", object.getMetadata().getName());
        hook.put("kind", object.getKind());
        hook.put("path", path);
        // helm stores the document without the trailing newline its template output adds.
        hook.put("manifest", content.endsWith("\n") ? content.substring(0, content.length() - 1) : content);
        ArrayNode eventList = hook.putArray("events");
        for (String e : events.split(",")) {
            String event = e.strip().toLowerCase(Locale.ROOT);
            if (EVENTS.contains(event)) {
                eventList.add(event);
            }
        }
        hook.putObject("last_run").put("started_at", "").put("completed_at", "").put("phase", "");
        hook.put("weight", weight(annotations.get("helm.sh/hook-weight")));
        String policies = annotations.get("helm.sh/hook-delete-policy");
        if (policies != null) {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            for (String p : policies.split(",")) {
                String policy = p.strip().toLowerCase(Locale.ROOT);
                if (POLICIES.contains(policy)) {
                    list.add(policy);
                }
            }
            if (!list.isEmpty()) {
                hook.set("delete_policies", list);
            }
        }
        return hook;
    }

    private static int weight(String annotation) {
        try {
            return annotation == null ? 0 : Integer.parseInt(annotation.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether the release has hooks for {@code event}. */
    boolean has(String event) {
        for (JsonNode h : hooks) {
            for (JsonNode e : h.path("events")) {
                if (e.asText().equals(event)) {
                    return true;
                }
            }
        }
        return false;
    }
}
