package dev.deployguard.kubernetes.deployment;

import dev.deployguard.error.DeployGuardException;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Deployment's rollout history, read from its ReplicaSets exactly as {@code kubectl rollout history} reads it:
 * one row per controlled ReplicaSet, numbered by its revision annotation, with its change-cause.
 */
public final class DeploymentHistory {
    private final KubernetesClient client;
    private final DeploymentLookup lookup;

    public DeploymentHistory(KubernetesClient client) {
        this.client = client;
        this.lookup = new DeploymentLookup(client);
    }

    /** All revisions, oldest first. */
    public List<Revision> list(String namespace, String name) {
        Deployment d = lookup.get(namespace, name);
        return of(d, lookup.replicaSets(d), client.getKubernetesSerialization());
    }

    /** One revision ({@code kubectl rollout history --revision N}); NOT_FOUND listing the ones there are. */
    public Revision revision(String namespace, String name, long number) {
        List<Revision> all = list(namespace, name);
        return find(all, number, namespace, name);
    }

    static Revision find(List<Revision> all, long number, String namespace, String name) {
        return all.stream().filter(r -> r.number() == number).findFirst().orElseThrow(() ->
                DeployGuardException.notFound("revision " + number + " is not in the history of deployment \""
                        + name + "\" in namespace \"" + namespace + "\"; revisions there: "
                        + (all.isEmpty() ? "none" : all.stream().map(r -> Long.toString(r.number()))
                        .collect(Collectors.joining(", ")))));
    }

    static List<Revision> of(Deployment d, List<ReplicaSet> replicaSets, KubernetesSerialization serialization) {
        List<Revision> out = new ArrayList<>();
        for (ReplicaSet rs : replicaSets) {
            Map<String, String> annotations = rs.getMetadata().getAnnotations() == null ? Map.of()
                    : rs.getMetadata().getAnnotations();
            long number;
            try {
                String text = annotations.get(Annotations.REVISION);
                number = text == null ? 0 : Long.parseLong(text);
            } catch (NumberFormatException e) {
                continue; // kubectl skips a ReplicaSet whose revision it cannot read
            }
            String cause = annotations.get(Annotations.CHANGE_CAUSE);
            if (cause == null && rs.getSpec().getTemplate().getMetadata() != null
                    && rs.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
                cause = rs.getSpec().getTemplate().getMetadata().getAnnotations().get(Annotations.CHANGE_CAUSE);
            }
            boolean current = PodTemplates.sameIgnoringHash(serialization, rs.getSpec().getTemplate(),
                    d.getSpec().getTemplate());
            out.add(new Revision(number, cause, rs.getMetadata().getName(), rs.getSpec().getTemplate(), annotations,
                    current, createdAt(rs.getMetadata().getCreationTimestamp())));
        }
        out.sort(Comparator.comparingLong(Revision::number));
        return out;
    }

    private static Instant createdAt(String timestamp) {
        try {
            return timestamp == null ? null : Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
