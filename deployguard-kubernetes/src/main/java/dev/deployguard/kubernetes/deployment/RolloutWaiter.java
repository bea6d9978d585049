package dev.deployguard.kubernetes.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Waits for a Deployment's rollout to finish by polling its status (no watch, so it works through any proxy):
 * complete when the controller observed the latest generation and all replicas are updated and available; failed
 * when the Progressing condition says ProgressDeadlineExceeded; timed out at our own deadline. Each new status line
 * goes to the progress consumer, so a person sees the rollout move.
 */
public final class RolloutWaiter {
    /** How the waiter passes time between polls (a real sleep, or a simulated clock in tests). */
    public interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Pause pause;
    private final Duration pollEvery;

    public RolloutWaiter(KubernetesClient client, Clock clock, Pause pause, Duration pollEvery) {
        this.client = client;
        this.clock = clock;
        this.pause = pause;
        this.pollEvery = pollEvery;
    }

    /** A waiter on the wall clock, polling every second. */
    public static RolloutWaiter realTime(KubernetesClient client) {
        return new RolloutWaiter(client, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()), Duration.ofSeconds(1));
    }

    /** Polls until the rollout is done or {@code timeout} has passed. */
    public RolloutStatus await(String namespace, String name, Duration timeout, Consumer<String> progress) {
        Instant deadline = clock.instant().plus(timeout);
        DeploymentLookup lookup = new DeploymentLookup(client);
        String last = null;
        while (true) {
            RolloutStatus status = observe(lookup.get(namespace, name));
            if (!status.message().equals(last)) {
                progress.accept(status.message());
                last = status.message();
            }
            if (status.done()) {
                return status;
            }
            if (!clock.instant().isBefore(deadline)) {
                return new RolloutStatus(RolloutStatus.State.TIMED_OUT, "deployment \"" + name
                        + "\" did not finish its rollout within " + timeout + "; last status: " + status.message());
            }
            try {
                pause.pause(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new RolloutStatus(RolloutStatus.State.TIMED_OUT, "interrupted while waiting for deployment \""
                        + name + "\"; last status: " + status.message());
            }
        }
    }

    /** kubectl's DeploymentStatusViewer, as a pure function of the Deployment. */
    public static RolloutStatus observe(Deployment d) {
        String name = d.getMetadata().getName();
        DeploymentStatus s = d.getStatus();
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
            return progressing("Waiting for deployment spec update to be observed...");
        }
        for (DeploymentCondition c : s.getConditions()) {
            if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
                return new RolloutStatus(RolloutStatus.State.FAILED, "deployment \"" + name
                        + "\" exceeded its progress deadline" + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
        }
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        int updated = value(s.getUpdatedReplicas());
        int replicas = value(s.getReplicas());
        int available = value(s.getAvailableReplicas());
        if (updated < want) {
            return progressing("Waiting for deployment \"" + name + "\" rollout to finish: " + updated + " out of "
                    + want + " new replicas have been updated...");
        }
        if (replicas > updated) {
            return progressing("Waiting for deployment \"" + name + "\" rollout to finish: " + (replicas - updated)
                    + " old replicas are pending termination...");
        }
        if (available < updated) {
            return progressing("Waiting for deployment \"" + name + "\" rollout to finish: " + available + " of "
                    + updated + " updated replicas are available...");
        }
        return new RolloutStatus(RolloutStatus.State.COMPLETE, "deployment \"" + name + "\" successfully rolled out");
    }

    private static RolloutStatus progressing(String message) {
        return new RolloutStatus(RolloutStatus.State.PROGRESSING, message);
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }
}
