package dev.deployguard.kubernetes.gitops;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the GitOps owner of a Kubernetes object, strongest evidence first:
 * <ol>
 *   <li>Argo CD's tracking annotation {@code argocd.argoproj.io/tracking-id} ({@code <app>:<group>/<kind>:<ns>/<name>},
 *       {@code <app>} being {@code <namespace>_<name>} for Applications outside Argo CD's namespace; argoproj/argo-cd
 *       {@code util/argo/resource_tracking.go});</li>
 *   <li>Flux's labels {@code kustomize.toolkit.fluxcd.io/name|namespace} and
 *       {@code helm.toolkit.fluxcd.io/name|namespace}, which kustomize-controller and helm-controller set on
 *       everything they apply;</li>
 *   <li>the label {@code app.kubernetes.io/instance} (Argo CD's label tracking, its default before 3.0) — only when
 *       an Application of that name exists, since Helm charts set the same label;</li>
 *   <li>a {@code managedFields} manager {@code argocd-controller}, {@code kustomize-controller} or
 *       {@code helm-controller} (then the owner's name is unknown).</li>
 * </ol>
 * The owner object is then read to learn whether its automation would undo a change made beside it.
 */
public final class OwnerDetection {
    public static final String ARGO_TRACKING = "argocd.argoproj.io/tracking-id";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    static final String KUSTOMIZE_NAME = "kustomize.toolkit.fluxcd.io/name";
    static final String KUSTOMIZE_NAMESPACE = "kustomize.toolkit.fluxcd.io/namespace";
    static final String HELM_NAME = "helm.toolkit.fluxcd.io/name";
    static final String HELM_NAMESPACE = "helm.toolkit.fluxcd.io/namespace";

    private final OwnerObjects objects;
    private final String argocdNamespace;

    /** @param argocdNamespace where Argo CD's Applications live when the tracking id does not name a namespace */
    public OwnerDetection(KubernetesClient client, String argocdNamespace) {
        this.objects = new OwnerObjects(client);
        this.argocdNamespace = argocdNamespace;
    }

    /** The owner of {@code object} with its automation read live; empty when no GitOps controller claims it. */
    public Optional<Owner> detect(HasMetadata object) {
        if (object == null) {
            return Optional.empty();
        }
        Map<String, String> labels = orEmpty(object.getMetadata().getLabels());
        Map<String, String> annotations = orEmpty(object.getMetadata().getAnnotations());
        String tracking = annotations.get(ARGO_TRACKING);
        if (tracking != null && tracking.indexOf(':') > 0) {
            String app = tracking.substring(0, tracking.indexOf(':'));
            int underscore = app.indexOf('_');
            String ns = underscore > 0 ? app.substring(0, underscore) : argocdNamespace;
            String name = underscore > 0 ? app.substring(underscore + 1) : app;
            return Optional.of(read(Controller.ARGO_CD_APPLICATION, ns, name, "annotation " + ARGO_TRACKING));
        }
        if (labels.containsKey(KUSTOMIZE_NAME) && labels.containsKey(KUSTOMIZE_NAMESPACE)) {
            return Optional.of(read(Controller.FLUX_KUSTOMIZATION, labels.get(KUSTOMIZE_NAMESPACE),
                    labels.get(KUSTOMIZE_NAME), "labels " + KUSTOMIZE_NAME + "/namespace"));
        }
        if (labels.containsKey(HELM_NAME) && labels.containsKey(HELM_NAMESPACE)) {
            return Optional.of(read(Controller.FLUX_HELM_RELEASE, labels.get(HELM_NAMESPACE), labels.get(HELM_NAME),
                    "labels " + HELM_NAME + "/namespace"));
        }
        String instance = labels.get(INSTANCE_LABEL);
        if (instance != null) {
            GenericKubernetesResource app = readable(Controller.ARGO_CD_APPLICATION, argocdNamespace, instance);
            if (app != null) {
                return Optional.of(owner(Controller.ARGO_CD_APPLICATION, argocdNamespace, instance, app,
                        "label " + INSTANCE_LABEL + " (Argo CD label tracking)"));
            }
        }
        if (object.getMetadata().getManagedFields() != null) {
            for (ManagedFieldsEntry m : object.getMetadata().getManagedFields()) {
                Controller c = Controller.byManager(m.getManager());
                if (c != null) {
                    return Optional.of(new Owner(c, null, null, true, Owner.Automation.UNKNOWN,
                            "managedFields manager " + m.getManager()));
                }
            }
        }
        return Optional.empty();
    }

    /** The owner named by hand (a Helm app's HelmRelease, say), read live. */
    public Owner read(Controller c, String namespace, String name, String evidence) {
        GenericKubernetesResource r;
        try {
            r = objects.get(c, namespace, name);
        } catch (DeployGuardException e) {
            // Forbidden or unreachable: the owner is still named; what it does is unknown, and said so.
            return new Owner(c, namespace, name, true, Owner.Automation.unknown("cannot read " + c.resource()
                    + ": " + e.getMessage().lines().findFirst().orElse("")), evidence);
        }
        return owner(c, namespace, name, r, evidence);
    }

    /** The object, or null when there is none or it cannot be read (label tracking is a guess, not a claim). */
    private GenericKubernetesResource readable(Controller c, String namespace, String name) {
        try {
            return objects.get(c, namespace, name);
        } catch (DeployGuardException e) {
            return null;
        }
    }

    private static Owner owner(Controller c, String namespace, String name, GenericKubernetesResource r,
                               String evidence) {
        if (r == null) {
            return new Owner(c, namespace, name, false, Owner.Automation.UNKNOWN, evidence);
        }
        Owner.Automation automation = switch (c) {
            case ARGO_CD_APPLICATION -> ArgoApplication.automation(r);
            case FLUX_KUSTOMIZATION -> FluxKustomization.automation(r);
            case FLUX_HELM_RELEASE -> FluxHelmRelease.automation(r);
        };
        return new Owner(c, namespace, name, true, automation, evidence);
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
