package dev.deployguard.kubernetes.gitops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Who owns an app's objects and whether its automation would undo a change made beside it.
 *
 * @param controller the owning kind
 * @param namespace  the owner's namespace; null when only a field manager points at the controller
 * @param name       the owner's name; null when only a field manager points at the controller
 * @param exists     false when labels name an owner that is not there (deleted, or another cluster's)
 * @param automation what the owner does on its own; {@link Automation#UNKNOWN} when it cannot be read
 * @param evidence   what made DeployGuard decide, e.g. "annotation argocd.argoproj.io/tracking-id"
 */
public record Owner(Controller controller, String namespace, String name, boolean exists, Automation automation,
                    String evidence) {
    public Owner {
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(automation, "automation");
        Objects.requireNonNull(evidence, "evidence");
    }

    /** True when the owner object is named (namespace and name known). */
    public boolean named() {
        return namespace != null && name != null;
    }

    /** "Argo CD Application argocd/shop". */
    public String title() {
        return controller.title() + (named() ? " " + namespace + "/" + name : "");
    }

    /**
     * One line for {@code check}, {@code status} and {@code history}, e.g. "owned by Argo CD Application argocd/shop,
     * auto-sync with self-heal on".
     */
    public String describe() {
        if (!named()) {
            return "managed by " + controller.manager() + " (" + evidence + "; no label names its "
                    + controller.kind() + ")";
        }
        if (!exists) {
            return "marked as owned by " + title() + " (" + evidence + "), but there is no such "
                    + controller.kind();
        }
        return "owned by " + title() + ", " + automation.describe();
    }

    /** For JSON answers ({@code status}, {@code history}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", controller.kind());
        m.put("controller", controller.title());
        m.put("namespace", namespace);
        m.put("name", name);
        m.put("exists", exists);
        m.put("automated", automation.automated());
        m.put("selfHeal", automation.selfHeal());
        m.put("suspended", automation.suspended());
        m.put("revertsChanges", automation.revertsChanges());
        m.put("summary", describe());
        return m;
    }

    /**
     * What an owner does by itself.
     *
     * @param automated      it syncs/reconciles without a person (Argo CD auto-sync on, Flux not suspended)
     * @param selfHeal       Argo CD's selfHeal; for Flux, whether drift is corrected (always for a Kustomization)
     * @param suspended      Flux {@code spec.suspend}, or Argo CD auto-sync turned off by {@code enabled: false}
     * @param revertsChanges a change made beside the owner will be undone by it (the fight DeployGuard avoids)
     * @param text           how it reads, e.g. "auto-sync with self-heal on"
     */
    public record Automation(boolean automated, boolean selfHeal, boolean suspended, boolean revertsChanges,
                             String text) {
        public static final Automation UNKNOWN = new Automation(false, false, false, false,
                "automation unknown (the owner cannot be read)");

        /** Automation that could not be read (the owner is forbidden to DeployGuard's user, say). */
        public static Automation unknown(String why) {
            return new Automation(false, false, false, false, "automation unknown (" + why + ")");
        }

        public boolean isUnknown() {
            return text.startsWith("automation unknown");
        }

        public String describe() {
            return text;
        }
    }
}
