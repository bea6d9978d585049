package dev.deployguard.kubernetes.gitops;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A Flux Kustomization ({@code kustomize.toolkit.fluxcd.io/v1}): the source revision it last applied
 * ({@code status.lastAppliedRevision}, e.g. {@code main@sha1:0a1b2c...}), the one it last tried, and its automation.
 * kustomize-controller applies the whole set with server-side apply at every {@code spec.interval}, so an object it
 * manages is always set back to git's version unless the Kustomization is suspended (fluxcd/kustomize-controller
 * {@code api/v1/kustomization_types.go}).
 */
public final class FluxKustomization {
    private final OwnerObjects objects;

    public FluxKustomization(KubernetesClient client) {
        this.objects = new OwnerObjects(client);
    }

    /** {@code main@sha1:...} as applied and as last attempted (they differ after a failed apply). */
    public record Revisions(String lastApplied, String lastAttempted, boolean suspended) {
        /** The commit SHA of {@code lastApplied}, or null. */
        public String appliedSha() {
            return sha(lastApplied);
        }

        static String sha(String revision) {
            if (revision == null) {
                return null;
            }
            int at = revision.indexOf("sha1:");
            return at >= 0 ? revision.substring(at + 5) : revision.contains("@") ? null : revision;
        }
    }

    public Revisions revisions(String namespace, String name) {
        GenericKubernetesResource k = objects.require(Controller.FLUX_KUSTOMIZATION, namespace, name);
        return new Revisions(OwnerObjects.text(k, "status", "lastAppliedRevision"),
                OwnerObjects.text(k, "status", "lastAttemptedRevision"), OwnerObjects.flag(k, "spec", "suspend"));
    }

    static Owner.Automation automation(GenericKubernetesResource k) {
        String interval = OwnerObjects.text(k, "spec", "interval");
        String applied = OwnerObjects.text(k, "status", "lastAppliedRevision");
        if (OwnerObjects.flag(k, "spec", "suspend")) {
            return new Owner.Automation(false, false, true, false, "suspended"
                    + (applied == null ? "" : ", last applied " + applied));
        }
        return new Owner.Automation(true, true, false, true, "reconciled every " + (interval == null ? "?" : interval)
                + " with drift correction on" + (applied == null ? "" : ", last applied " + applied));
    }
}
