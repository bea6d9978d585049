package dev.deployguard.kubernetes.gitops;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The GitOps objects that can own an app, with where the API serves them. Named explicitly (group, version, plural)
 * so no API discovery is needed.
 */
public enum Controller {
    ARGO_CD_APPLICATION("Argo CD Application", "argoproj.io", "v1alpha1", "Application", "applications",
            "argocd-controller"),
    FLUX_KUSTOMIZATION("Flux Kustomization", "kustomize.toolkit.fluxcd.io", "v1", "Kustomization",
            "kustomizations", "kustomize-controller"),
    FLUX_HELM_RELEASE("Flux HelmRelease", "helm.toolkit.fluxcd.io", "v2", "HelmRelease", "helmreleases",
            "helm-controller");

    private final String title;
    private final String group;
    private final String version;
    private final String kind;
    private final String plural;
    private final String manager;

    Controller(String title, String group, String version, String kind, String plural, String manager) {
        this.title = title;
        this.group = group;
        this.version = version;
        this.kind = kind;
        this.plural = plural;
        this.manager = manager;
    }

    /** How people call it, e.g. "Argo CD Application". */
    public String title() {
        return title;
    }

    /** The field manager its controller writes with ({@code metadata.managedFields[].manager}). */
    public String manager() {
        return manager;
    }

    /** The resource for kubectl, e.g. {@code applications.argoproj.io}. */
    public String resource() {
        return plural + "." + group;
    }

    public String kind() {
        return kind;
    }

    /** Where the API serves these objects (for reading one as a generic resource). */
    public ResourceDefinitionContext context() {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** The controller whose field manager is {@code manager}, or null. */
    static Controller byManager(String manager) {
        for (Controller c : values()) {
            // Argo CD's application controller applies as "argocd-controller" (server-side apply) or
            // "argocd-application-controller" (client-side), depending on version and sync options.
            if (c.manager.equals(manager) || (c == ARGO_CD_APPLICATION
                    && "argocd-application-controller".equals(manager))) {
                return c;
            }
        }
        return null;
    }
}
