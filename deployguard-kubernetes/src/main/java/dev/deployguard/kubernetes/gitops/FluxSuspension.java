package dev.deployguard.kubernetes.gitops;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;

/**
 * Suspends, resumes and triggers a Flux Kustomization or HelmRelease as {@code flux suspend|resume|reconcile} do:
 * {@code spec.suspend} and the annotation {@code reconcile.fluxcd.io/requestedAt} (any new value makes the
 * controller reconcile now; fluxcd/pkg {@code apis/meta/annotations.go}, {@code ReconcileRequestAnnotation}).
 * A suspend DeployGuard made is marked, so it is only ever resumed by the one who made it.
 */
public final class FluxSuspension {
    public static final String REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";
    /** Set when DeployGuard suspended the object (its value: why), removed when it resumes it. */
    public static final String SUSPENDED_BY = "deployguard.dev/suspended";

    private final OwnerObjects objects;
    private final Clock clock;

    public FluxSuspension(KubernetesClient client, Clock clock) {
        this.objects = new OwnerObjects(client);
        this.clock = clock;
    }

    /** Sets {@code spec.suspend: true}; false when it already was (then it is not marked as DeployGuard's). */
    public boolean suspend(Controller kind, String namespace, String name, String why) {
        requireFlux(kind);
        GenericKubernetesResource current = objects.require(kind, namespace, name);
        if (OwnerObjects.flag(current, "spec", "suspend")) {
            return false;
        }
        objects.update(kind, namespace, name, r -> {
            OwnerObjects.map(r, "spec").put("suspend", true);
            OwnerObjects.annotate(r, SUSPENDED_BY, why);
            return r;
        });
        return true;
    }

    /** Sets {@code spec.suspend: false} and requests a reconcile now, as {@code flux resume} does. */
    public void resume(Controller kind, String namespace, String name) {
        requireFlux(kind);
        objects.update(kind, namespace, name, r -> {
            OwnerObjects.map(r, "spec").put("suspend", false);
            OwnerObjects.annotate(r, SUSPENDED_BY, null);
            OwnerObjects.annotate(r, REQUESTED_AT, clock.instant().toString());
            return r;
        });
    }

    /** Asks the controller to reconcile now ({@code flux reconcile} without {@code --with-source}). */
    public String requestReconcile(Controller kind, String namespace, String name) {
        requireFlux(kind);
        String token = clock.instant().toString();
        objects.update(kind, namespace, name, r -> {
            OwnerObjects.annotate(r, REQUESTED_AT, token);
            return r;
        });
        return token;
    }

    private static void requireFlux(Controller kind) {
        if (kind == Controller.ARGO_CD_APPLICATION) {
            throw new IllegalArgumentException("Argo CD Applications are paused with ArgoApplication.pauseAutoSync");
        }
    }
}
