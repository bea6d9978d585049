package dev.deployguard.kubernetes.helm;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The objects of a release's manifest: the multi-document YAML helm stores (each document preceded by
 * {@code ---} and a {@code # Source:} comment), parsed into fabric8 objects in their order. Documents that are
 * empty or that are hooks ({@code helm.sh/hook} annotation) are not release objects and are left out, as helm does.
 */
public final class ReleaseManifest {
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(#.*)?$");

    private ReleaseManifest() {
    }

    public static List<HasMetadata> objects(String manifest, KubernetesSerialization serialization, String what) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : SEPARATOR.split(manifest)) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Object parsed;
            try {
                parsed = serialization.unmarshal(doc);
            } catch (RuntimeException e) {
                throw DeployGuardException.badInput("The manifest of " + what + " holds a document that is not a "
                        + "Kubernetes object (" + e.getMessage() + "):\n" + doc.strip());
            }
            if (!(parsed instanceof HasMetadata object) || object.getMetadata() == null
                    || object.getMetadata().getName() == null) {
                throw DeployGuardException.badInput("The manifest of " + what + " holds a document without "
                        + "apiVersion, kind or metadata.name:\n" + doc.strip());
            }
            Map<String, String> annotations = object.getMetadata().getAnnotations();
            if (annotations != null && annotations.containsKey("helm.sh/hook")) {
                continue;
            }
            objects.add(object);
        }
        return objects;
    }

    /** What identifies an object across revisions, as helm matches them: group, kind, namespace, name. */
    static String identity(HasMetadata o) {
        String apiVersion = o.getApiVersion() == null ? "" : o.getApiVersion();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String ns = o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace();
        return group + "/" + o.getKind() + "/" + ns + "/" + o.getMetadata().getName();
    }

    /** {@code Kind namespace/name} for messages. */
    static String describe(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return o.getKind() + " " + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }
}
