package dev.deployguard.kubernetes.gitops;

import dev.deployguard.gitops.GitRestorer;
import dev.deployguard.spec.GitOpsSpec;
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
    /** The source revision the object had applied when DeployGuard suspended it: the one not to apply again. */
    public static final String SUSPENDED_AT = "deployguard.dev/suspended-at-revision";
    private static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext GIT_REPOSITORIES =
            new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                    .withGroup("source.toolkit.fluxcd.io").withVersion("v1").withKind("GitRepository")
                    .withPlural("gitrepositories").withNamespaced(true).build();

    /** Whether resuming would apply something other than the revision DeployGuard rolled back from. */
    public record Safety(boolean safe, String why) {
    }

    private final KubernetesClient client;
    private final OwnerObjects objects;
    private final Clock clock;

    public FluxSuspension(KubernetesClient client, Clock clock) {
        this.client = client;
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
            OwnerObjects.annotate(r, SUSPENDED_AT, OwnerObjects.text(r, "status", kind == Controller.FLUX_KUSTOMIZATION
                    ? "lastAppliedRevision" : "lastAttemptedRevision"));
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
            OwnerObjects.annotate(r, SUSPENDED_AT, null);
            OwnerObjects.annotate(r, REQUESTED_AT, clock.instant().toString());
            return r;
        });
    }

    /**
     * Safe to resume once the object's git source ({@code spec.sourceRef}, or {@code spec.chart.spec.sourceRef} of a
     * HelmRelease, a GitRepository) has fetched a revision other than the one applied when DeployGuard suspended it:
     * resuming then applies git's new state, not the bad revision again. Not safe while git still has that revision,
     * and not known (so not safe) for other sources or an object DeployGuard did not suspend.
     */
    public Safety safeToResume(Controller kind, String namespace, String name) {
        requireFlux(kind);
        GenericKubernetesResource r = objects.require(kind, namespace, name);
        String bad = r.getMetadata().getAnnotations() == null ? null
                : r.getMetadata().getAnnotations().get(SUSPENDED_AT);
        if (bad == null) {
            return new Safety(false, kind.title() + " " + namespace + "/" + name + " was not suspended by"
                    + " DeployGuard (no " + SUSPENDED_AT + "); resume it yourself when you know git is right");
        }
        String[] ref = kind == Controller.FLUX_KUSTOMIZATION ? new String[] {"spec", "sourceRef"}
                : new String[] {"spec", "chart", "spec", "sourceRef"};
        if (!"GitRepository".equals(OwnerObjects.text(r, concat(ref, "kind")))) {
            return new Safety(false, "the source of " + kind.title() + " " + namespace + "/" + name + " is not a"
                    + " GitRepository; DeployGuard cannot tell whether it still delivers " + bad);
        }
        String sourceNs = OwnerObjects.text(r, concat(ref, "namespace"));
        String source = OwnerObjects.text(r, concat(ref, "name"));
        GenericKubernetesResource repo = client.genericKubernetesResources(GIT_REPOSITORIES)
                .inNamespace(sourceNs == null ? namespace : sourceNs).withName(source).get();
        String now = repo == null ? null : OwnerObjects.text(repo, "status", "artifact", "revision");
        if (now == null) {
            return new Safety(false, "GitRepository " + source + " has no fetched revision yet");
        }
        if (now.equals(bad)) {
            return new Safety(false, "git still delivers " + bad + ", the revision applied when DeployGuard"
                    + " suspended it; fix git first");
        }
        return new Safety(true, "git moved from " + bad + " to " + now);
    }

    /** Resumes (and triggers a reconcile) only when {@link #safeToResume} says so; the verdict either way. */
    public Safety resumeIfSafe(Controller kind, String namespace, String name) {
        Safety s = safeToResume(kind, namespace, name);
        if (s.safe()) {
            resume(kind, namespace, name);
        }
        return s;
    }

    /**
     * As {@link #resumeIfSafe(Controller, String, String)}, and also not while git's head still has the app's
     * {@code gitops.git} path at the revision applied at suspend time ({@code git}: the control plane's restorer).
     */
    public Safety resumeIfSafe(Controller kind, String namespace, String name, GitRestorer git, GitOpsSpec.Git where) {
        Safety s = safeToResume(kind, namespace, name);
        String held = !s.safe() ? null : GitHead.holds(git, where, objects.require(kind, namespace, name)
                .getMetadata().getAnnotations().get(SUSPENDED_AT));
        return held != null ? new Safety(false, held) : resumeIfSafe(kind, namespace, name);
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
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
