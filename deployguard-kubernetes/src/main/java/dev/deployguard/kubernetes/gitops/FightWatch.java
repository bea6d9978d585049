package dev.deployguard.kubernetes.gitops;

import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * Watches, for a bounded window after DeployGuard acted, whether the fields it set on a Deployment (the container's
 * image, the replica count) stay as it set them. A change within the window is a fight with the GitOps owner: the
 * controller re-applying git's version. Polls (works through any proxy; the pause is injected so tests advance a
 * fake controller instead of sleeping); the first change ends the watch.
 */
public final class FightWatch {
    private final KubernetesClient client;
    private final Clock clock;
    private final RolloutWaiter.Pause pause;
    private final Duration pollEvery;

    public FightWatch(KubernetesClient client, Clock clock, RolloutWaiter.Pause pause, Duration pollEvery) {
        this.client = client;
        this.clock = clock;
        this.pause = pause;
        this.pollEvery = pollEvery;
    }

    /** What DeployGuard set: {@code image} of {@code container} (null: the first) and {@code replicas} (null: any). */
    public record Expected(String container, String image, Integer replicas) {
    }

    /**
     * A field changed under DeployGuard.
     *
     * @param field    "image" or "replicas"
     * @param expected what DeployGuard set
     * @param actual   what the Deployment has now
     * @param manager  the GitOps field manager that wrote last (from {@code managedFields}), or null when unknown
     * @param after    how long after the watch began it was seen
     */
    public record Fight(String field, String expected, String actual, String manager, Duration after) {
        public String describe(Owner owner) {
            return field + " changed back from " + expected + " to " + actual + " " + after.toMillis() / 1000.0
                    + "s after DeployGuard set it" + (manager != null ? ", written by " + manager
                    : owner != null ? ", most likely by " + owner.title() : "");
        }
    }

    /** Polls {@code namespace/name} for up to {@code window}; the first fight seen, or empty when none. */
    public Optional<Fight> watch(String namespace, String name, Expected expected, Duration window) {
        Instant start = clock.instant();
        Instant end = start.plus(window);
        while (true) {
            Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            Optional<Fight> fight = d == null ? Optional.empty() : compare(d, expected,
                    Duration.between(start, clock.instant()));
            if (fight.isPresent() || !clock.instant().isBefore(end)) {
                return fight;
            }
            try {
                pause.pause(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    static Optional<Fight> compare(Deployment d, Expected expected, Duration after) {
        String manager = lastGitOpsManager(d);
        if (expected.image() != null) {
            String image = d.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> expected.container() == null || expected.container().equals(c.getName()))
                    .map(Container::getImage).findFirst().orElse(null);
            if (!expected.image().equals(image)) {
                return Optional.of(new Fight("image", expected.image(), image, manager, after));
            }
        }
        if (expected.replicas() != null && !Objects.equals(expected.replicas(), d.getSpec().getReplicas())) {
            return Optional.of(new Fight("replicas", expected.replicas().toString(),
                    String.valueOf(d.getSpec().getReplicas()), manager, after));
        }
        return Optional.empty();
    }

    /** The GitOps controller among the field managers that wrote most recently, or null. */
    static String lastGitOpsManager(Deployment d) {
        if (d.getMetadata().getManagedFields() == null) {
            return null;
        }
        return d.getMetadata().getManagedFields().stream()
                .filter(m -> Controller.byManager(m.getManager()) != null)
                .max(Comparator.comparing(m -> m.getTime() == null ? "" : m.getTime()))
                .map(ManagedFieldsEntry::getManager).orElse(null);
    }
}
