package dev.deployguard.kubernetes.leader;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Marks the control plane's own Pod {@code deployguard.dev/role: leader} or {@code follower}, so that the Service
 * {@code deployguard-leader} (deploy/kubernetes/40-service.yaml) sends changes to the leader only. On taking the lead
 * it also marks {@code follower} every other Pod that Service would select: a leader cut off from the API server
 * cannot unmark itself. The labels are written with JSON merge patches of {@code metadata.labels} (no strategic
 * merge, no read-modify-write), one at a time on one thread, always the latest wanted role; a failed write is logged
 * and retried every {@code retryEvery} until it goes through, and never touches the election itself.
 */
public final class PodRoleLabel implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PodRoleLabel.class.getName());
    /** The label naming a replica's role. */
    public static final String LABEL = "deployguard.dev/role";
    /** The label the install manifests give the control plane's Pods (and that both Services select on). */
    public static final String APP_LABEL = "app.kubernetes.io/name";
    public static final String APP = "deployguard";

    /** The role a Pod is labelled with. */
    public enum Role {
        LEADER, FOLLOWER;

        String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The Pod this process runs in. */
    public record PodRef(String namespace, String name) {
        public PodRef {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
        }

        /**
         * This process's Pod from the environment: {@code POD_NAME} (downward API), else {@code HOSTNAME} when in
         * a cluster (a Pod's host name is its name); namespace {@code POD_NAMESPACE}, else {@code leaseNamespace}.
         * Null outside a cluster without {@code POD_NAME}: there is no Pod to label.
         */
        public static PodRef fromEnvironment(Map<String, String> env, boolean inCluster, String leaseNamespace) {
            String name = env.get("POD_NAME");
            if ((name == null || name.isBlank()) && inCluster) {
                name = env.get("HOSTNAME");
            }
            if (name == null || name.isBlank()) {
                return null;
            }
            String ns = env.get("POD_NAMESPACE");
            return new PodRef(ns == null || ns.isBlank() ? leaseNamespace : ns, name);
        }

        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    private final KubernetesClient client;
    private final PodRef pod;
    private final Duration retryEvery;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leader-pod-label");
        t.setDaemon(true);
        return t;
    });
    /** Touched on the writer thread only, except {@code wanted}. */
    private volatile Role wanted;
    private Role written;
    private String lastFailure;
    private ScheduledFuture<?> retry;

    public PodRoleLabel(KubernetesClient client, PodRef pod, Duration retryEvery) {
        this.client = Objects.requireNonNull(client, "client");
        this.pod = Objects.requireNonNull(pod, "pod");
        this.retryEvery = Objects.requireNonNull(retryEvery, "retryEvery");
    }

    public PodRef pod() {
        return pod;
    }

    /** Asks for {@code role} to be written soon; returns at once. */
    public void set(Role role) {
        wanted = Objects.requireNonNull(role, "role");
        submit();
    }

    /**
     * Writes {@code role} and waits up to {@code wait} for the write; false when it failed or is still under way
     * (it is then retried in the background).
     */
    public boolean setAndWait(Role role, Duration wait) {
        wanted = Objects.requireNonNull(role, "role");
        Future<Boolean> done = submit();
        try {
            return done != null && done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private Future<Boolean> submit() {
        try {
            return writer.submit(this::sync);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null; // closed
        }
    }

    /** Writes the wanted role unless it is on the Pod already; true when the Pod carries it now. */
    private boolean sync() {
        Role role = wanted;
        if (role == null || role == written) {
            return role != null;
        }
        try {
            label(pod.name(), role);
            if (role == Role.LEADER) {
                demoteOthers();
            }
            written = role;
            if (lastFailure != null) {
                LOG.info("Pod " + pod + " labelled " + LABEL + "=" + role.value() + " after earlier failures");
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            String failure = e.getMessage();
            if (!Objects.equals(failure, lastFailure)) {
                LOG.log(Level.WARNING, "cannot label Pod " + pod + " " + LABEL + "=" + role.value() + " (retrying every "
                        + retryEvery.toMillis() + " ms; until then the Service deployguard-leader does not follow this"
                        + " replica's role): " + failure);
                lastFailure = failure;
            }
            if (retry == null) {
                retry = writer.schedule(() -> {
                    retry = null;
                    return sync();
                }, retryEvery.toMillis(), TimeUnit.MILLISECONDS);
            }
            return false;
        }
        // A newer wish arrived while this one was written: write it too.
        return wanted == role || sync();
    }

    private void label(String name, Role role) {
        client.pods().inNamespace(pod.namespace()).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"" + LABEL + "\":\"" + role.value() + "\"}}}");
    }

    /** Unmarks the other Pods the leader Service would select: only one replica leads. */
    private void demoteOthers() {
        for (Pod other : client.pods().inNamespace(pod.namespace()).withLabel(APP_LABEL, APP)
                .withLabel(LABEL, Role.LEADER.value()).list().getItems()) {
            String name = other.getMetadata().getName();
            if (!name.equals(pod.name())) {
                label(name, Role.FOLLOWER);
                LOG.info("Pod " + pod.namespace() + "/" + name + " was still labelled " + LABEL
                        + "=leader; relabelled follower");
            }
        }
    }

    /** Stops writing; a write under way finishes (bounded by the client's request timeout). */
    @Override
    public void close() {
        writer.shutdownNow();
    }
}
