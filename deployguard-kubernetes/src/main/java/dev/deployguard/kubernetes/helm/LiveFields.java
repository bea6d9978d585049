package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * What an apply keeps of a live object it replaces: fields another party owns (DeployGuard's canary track label
 * and blue/green selector, say), as helm's three-way merge keeps fields its manifests never set. Applied to the
 * objects written, not to the manifest recorded, so {@code helm get manifest} shows what the chart rendered.
 */
@FunctionalInterface
public interface LiveFields {
    /** Nothing kept: the rendered object replaces the live one as it is (helm {@code --force}). */
    LiveFields NONE = (wanted, live) -> wanted;

    /**
     * The object to write in place of {@code live}: {@code wanted} (a copy the caller owns) with whatever of
     * {@code live} must survive.
     */
    HasMetadata keep(HasMetadata wanted, HasMetadata live);
}
