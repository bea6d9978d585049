package dev.deployguard.kubernetes.prepull;

import java.util.Collection;

/**
 * Whether a node's image list holds an image reference. The kubelet reports each image under its repo digests
 * ({@code registry/path@sha256:...}) and repo tags in their normalized form ({@code docker.io/library/nginx:1.27});
 * a reference by digest matches any name with that digest (a mirror's copy is the same image), one by tag matches
 * the normalized tag.
 */
public final class ImageNames {
    private ImageNames() {
    }

    public static boolean holds(Collection<String> names, String reference) {
        String digest = digest(reference);
        if (digest != null) {
            return names.stream().anyMatch(n -> digest.equals(digest(n)));
        }
        String normalized = normalize(reference);
        return names.stream().anyMatch(n -> normalize(n).equals(normalized));
    }

    /** The {@code sha256:...} part of {@code repo@sha256:...}, or null. */
    static String digest(String reference) {
        int at = reference.indexOf('@');
        return at < 0 ? null : reference.substring(at + 1);
    }

    /** {@code nginx} → {@code docker.io/library/nginx:latest}, as the container runtimes name images. */
    static String normalize(String reference) {
        String ref = reference;
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasRegistry) {
            ref = "docker.io/" + (slash < 0 ? "library/" : "") + ref;
        } else if (first.equals("docker.io") && ref.indexOf('/', slash + 1) < 0) {
            ref = "docker.io/library/" + ref.substring(slash + 1);
        }
        int colon = ref.lastIndexOf(':');
        return colon > ref.lastIndexOf('/') ? ref : ref + ":latest";
    }
}
