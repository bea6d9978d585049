package dev.deployguard.kubernetes.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * helm's {@code --wait} rule for Deployments, by polling: the controller has seen the latest spec
 * ({@code observedGeneration}), and all desired replicas are updated and available. Other kinds count as ready
 * once they exist, as helm treats ConfigMaps, Services without load balancers and the like.
 */
public final class DeploymentReadiness implements ReadinessWaiter {
    private final KubernetesClient client;
    private final Duration pollEvery;

    /** @param pollEvery how often to look (helm looks every 2 s) */
    public DeploymentReadiness(KubernetesClient client, Duration pollEvery) {
        this.client = client;
        this.pollEvery = pollEvery;
    }

    @Override
    public void await(List<HasMetadata> objects, Duration timeout) throws NotReady, InterruptedException {
        List<Deployment> deployments = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Deployment d) {
                deployments.add(d);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String waitingFor = firstNotReady(deployments);
            if (waitingFor == null) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new NotReady("timed out after " + timeout.toMillis() + " ms waiting for " + waitingFor);
            }
            Thread.sleep(Math.max(1, Math.min(pollEvery.toMillis(), left / 1_000_000)));
        }
    }

    /** A description of the first Deployment that is not ready, or null when all are. */
    private String firstNotReady(List<Deployment> deployments) {
        for (Deployment wanted : deployments) {
            String ns = wanted.getMetadata().getNamespace();
            String name = wanted.getMetadata().getName();
            Deployment live;
            try {
                live = client.apps().deployments().inNamespace(ns).withName(name).get();
            } catch (KubernetesClientException e) {
                return "Deployment " + ns + "/" + name + " (cannot read it: " + e.getMessage() + ")";
            }
            if (live == null) {
                return "Deployment " + ns + "/" + name + " (it does not exist)";
            }
            String why = notReady(live);
            if (why != null) {
                return "Deployment " + ns + "/" + name + " (" + why + ")";
            }
        }
        return null;
    }

    static String notReady(Deployment d) {
        int desired = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return "no status yet, 0 of " + desired + " replicas available";
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (s.getObservedGeneration() == null || s.getObservedGeneration() < generation)) {
            return "the controller has not seen generation " + generation + " yet";
        }
        int updated = s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
        int available = s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
        if (updated < desired || available < desired) {
            return updated + " of " + desired + " replicas updated, " + available + " available";
        }
        return null;
    }
}
