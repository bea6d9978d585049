package dev.deployguard.kubernetes.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test support: plays the two controllers a Helm release's hooks and {@code crds/} wait for, which the mock API server
 * lacks. Every Job without a status is finished — {@code Complete}, or {@code Failed} with reason
 * {@code BackoffLimitExceeded} when its name was given to {@link #fail} — and every CRD without a status is marked
 * {@code Established}, within a poll (20 ms). Each Job it finished is remembered in order, so a test can compare
 * the hook runs of two clients.
 */
public final class JobController implements AutoCloseable {
    private final KubernetesClient client;
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final List<String> finished = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public JobController(KubernetesClient client) {
        this.client = client;
        this.thread = new Thread(this::loop, "job-controller");
        thread.setDaemon(true);
        thread.start();
    }

    /** Jobs named {@code name} fail from now on. */
    public void fail(String name) {
        failing.add(name);
    }

    /** {@code namespace/name Complete|Failed} of each Job finished so far, in order. */
    public List<String> finished() {
        return List.copyOf(finished);
    }

    private void loop() {
        while (running) {
            try {
                for (GenericKubernetesResource job : client.genericKubernetesResources("batch/v1", "Job")
                        .inAnyNamespace().list().getItems()) {
                    if (job.getAdditionalProperties().get("status") == null) {
                        finish(job);
                    }
                }
                for (GenericKubernetesResource crd : client.genericKubernetesResources("apiextensions.k8s.io/v1",
                        "CustomResourceDefinition").list().getItems()) {
                    if (crd.getAdditionalProperties().get("status") == null) {
                        crd.setAdditionalProperty("status", Map.of("conditions", List.of(
                                Map.of("type", "NamesAccepted", "status", "True"),
                                Map.of("type", "Established", "status", "True"))));
                        client.resource(crd).update();
                    }
                }
                Thread.sleep(20);
            } catch (KubernetesClientException e) {
                // A Job deleted or changed between list and update: the next round sees it again.
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void finish(GenericKubernetesResource job) {
        String name = job.getMetadata().getName();
        boolean fails = failing.contains(name);
        String type = fails ? "Failed" : "Complete";
        Map<String, Object> condition = fails
                ? Map.of("type", type, "status", "True", "reason", "BackoffLimitExceeded")
                : Map.of("type", type, "status", "True");
        job.setAdditionalProperty("status", fails ? Map.of("failed", 1, "conditions", List.of(condition))
                : Map.of("succeeded", 1, "conditions", List.of(condition)));
        client.resource(job).update();
        finished.add(job.getMetadata().getNamespace() + "/" + name + " " + type);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
