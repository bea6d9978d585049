package dev.deployguard.kubernetes.deployment;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.client.ApiFailures;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code kubectl rollout undo [--to-revision N]} with a record of who and why: the target revision's pod template
 * (pod-template-hash label dropped) and annotations are copied back onto the Deployment in one update guarded by
 * its resourceVersion; a 409 conflict re-reads and retries, a bounded number of times. The Deployment controller
 * then re-uses the target's ReplicaSet and gives it the next revision number, as it does after kubectl's undo.
 */
public final class DeploymentRollback {
    static final int MAX_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final DeploymentLookup lookup;
    private final KubernetesSerialization serialization;

    public DeploymentRollback(KubernetesClient client) {
        this.client = client;
        this.lookup = new DeploymentLookup(client);
        this.serialization = client.getKubernetesSerialization();
    }

    /**
     * Rolls {@code namespace/name} back to {@code toRevision}, or to the previous revision when it is null or 0.
     *
     * @param actor  who asked (recorded in {@link Annotations#ROLLED_BACK_BY})
     * @param reason why (recorded in {@link Annotations#ROLLBACK_REASON}); may be null
     */
    public RollbackResult rollback(String namespace, String name, Long toRevision, String actor, String reason) {
        if (toRevision != null && toRevision < 0) {
            throw DeployGuardException.badInput("--to-revision must be 0 (the previous revision) or a revision"
                    + " number from the history, got " + toRevision);
        }
        for (int attempt = 1; ; attempt++) {
            Deployment d = lookup.get(namespace, name);
            List<Revision> history = DeploymentHistory.of(d, lookup.replicaSets(d), serialization);
            Revision target = target(history, toRevision, namespace, name);
            long from = revisionOf(d);
            if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
                throw DeployGuardException.badInput("deployment \"" + name + "\" in namespace \"" + namespace
                        + "\" is paused; resume it first ('kubectl rollout resume deployment/" + name + " -n "
                        + namespace + "') and try again");
            }
            if (PodTemplates.sameIgnoringHash(serialization, target.template(), d.getSpec().getTemplate())) {
                return new RollbackResult(true, from, target.number(), null, attempt, "deployment.apps/" + name
                        + " skipped rollback (current template already matches revision " + target.number() + ")");
            }
            String cause = "rollback to revision " + target.number()
                    + (target.changeCause() == null ? "" : " (" + target.changeCause() + ")")
                    + (reason == null || reason.isBlank() ? "" : ": " + reason);
            Deployment updated = serialization.clone(d);
            updated.getSpec().setTemplate(PodTemplates.withoutHash(serialization, target.template()));
            updated.getMetadata().setAnnotations(annotations(d, target, from, cause, actor, reason));
            try {
                client.apps().deployments().inNamespace(namespace).resource(updated).update();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < MAX_ATTEMPTS) {
                    continue;
                }
                if (e.getCode() == 409) {
                    throw new DeployGuardException(ExitCode.FAILURE, "deployment \"" + name + "\" in namespace \""
                            + namespace + "\" changed under us " + MAX_ATTEMPTS + " times in a row (409 conflict);"
                            + " nothing was rolled back; find who else is updating it and try again", e);
                }
                throw ApiFailures.translate(e, new ApiFailures.Call("update", "deployments.apps", namespace, name),
                        client);
            }
            return new RollbackResult(false, from, target.number(), cause, attempt, "deployment.apps/" + name
                    + " rolled back from revision " + from + " to revision " + target.number()
                    + " (the controller records it as the next revision)");
        }
    }

    /** kubectl's rsForRevision: the named revision, or the second-highest revision number. */
    public static Revision target(List<Revision> history, Long toRevision, String namespace, String name) {
        if (toRevision != null && toRevision > 0) {
            return DeploymentHistory.find(history, toRevision, namespace, name);
        }
        Revision latest = null;
        Revision previous = null;
        for (Revision r : history) {
            if (latest == null || latest.number() < r.number()) {
                previous = latest;
                latest = r;
            } else if (previous == null || previous.number() < r.number()) {
                previous = r;
            }
        }
        if (previous == null) {
            throw DeployGuardException.notFound("deployment \"" + name + "\" in namespace \"" + namespace
                    + "\" has no earlier revision to roll back to (history: " + (history.isEmpty() ? "none"
                    : history.stream().map(r -> Long.toString(r.number())).collect(Collectors.joining(", ")))
                    + ")");
        }
        return previous;
    }

    /**
     * kubectl's rule (the controller's own keys from the Deployment, everything else from the target ReplicaSet),
     * then DeployGuard's record of this rollback.
     */
    private static Map<String, String> annotations(Deployment d, Revision target, long from, String cause,
                                                   String actor, String reason) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> current = d.getMetadata().getAnnotations() == null ? Map.of()
                : d.getMetadata().getAnnotations();
        current.forEach((k, v) -> {
            if (Annotations.KEPT_FROM_DEPLOYMENT.contains(k)) {
                out.put(k, v);
            }
        });
        target.annotations().forEach((k, v) -> {
            if (!Annotations.KEPT_FROM_DEPLOYMENT.contains(k) && !Annotations.OPERATION_RECORD.contains(k)) {
                out.put(k, v);
            }
        });
        out.put(Annotations.CHANGE_CAUSE, cause);
        out.put(Annotations.ROLLED_BACK_BY, actor);
        out.put(Annotations.ROLLED_BACK_FROM, Long.toString(from));
        out.put(Annotations.ROLLED_BACK_TO, Long.toString(target.number()));
        if (reason != null && !reason.isBlank()) {
            out.put(Annotations.ROLLBACK_REASON, reason);
        }
        return out;
    }

    static long revisionOf(Deployment d) {
        String text = d.getMetadata().getAnnotations() == null ? null
                : d.getMetadata().getAnnotations().get(Annotations.REVISION);
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
