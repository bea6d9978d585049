package dev.deployguard.kubernetes.prepull;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.traffic.ClusterCalls;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Warms an app's next image on every node that may run it before traffic moves, and keeps the rollback image there:
 * writes the app's {@link PrePullDaemonSet} and waits until it is ready on all eligible nodes, bounded by a
 * timeout. A node that cannot pull is named with the kubelet's reason (e.g. {@code ImagePullBackOff}).
 */
public final class PrePull {
    private final KubernetesClient client;
    private final Clock clock;
    private final RolloutWaiter.Pause pause;
    private final Duration pollEvery;

    public PrePull(KubernetesClient client, Clock clock, RolloutWaiter.Pause pause, Duration pollEvery) {
        this.client = client;
        this.clock = clock;
        this.pause = pause;
        this.pollEvery = pollEvery;
    }

    /** Creates the DaemonSet, or replaces its labels, annotations and spec; returns it as stored. */
    public DaemonSet apply(DaemonSet wanted) {
        String ns = wanted.getMetadata().getNamespace();
        String name = wanted.getMetadata().getName();
        return ClusterCalls.retryOnConflict("write the pre-pull daemonset " + ns + "/" + name, () -> {
            var resource = client.apps().daemonSets().inNamespace(ns).withName(name);
            DaemonSet current = resource.get();
            if (current == null) {
                return client.apps().daemonSets().inNamespace(ns).resource(wanted).create();
            }
            current.getMetadata().setLabels(wanted.getMetadata().getLabels());
            current.getMetadata().setAnnotations(wanted.getMetadata().getAnnotations());
            current.setSpec(wanted.getSpec());
            return client.apps().daemonSets().inNamespace(ns).resource(current).update();
        });
    }

    /**
     * Writes the DaemonSet for {@code newImage} and waits until it is ready on every eligible node.
     *
     * @param progress each new status line, for the deploy's events
     * @throws DeployGuardException (exit 3, deploy failed) when {@code timeout} passes first, naming the nodes that
     *                              lack the image and why
     */
    public PrePullStatus warm(String namespace, String app, PodSpec appPod, String newImage, String rollbackImage,
                              String helperImage, Duration timeout, Consumer<String> progress) {
        apply(PrePullDaemonSet.build(namespace, app, appPod, newImage, rollbackImage, helperImage));
        Instant deadline = clock.instant().plus(timeout);
        String last = null;
        while (true) {
            PrePullStatus s = observe(namespace, app, newImage);
            if (!s.message().equals(last)) {
                progress.accept(s.message());
                last = s.message();
            }
            if (s.done()) {
                return s;
            }
            if (!clock.instant().isBefore(deadline)) {
                List<String> lacking = lacking(namespace, app);
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "the new image " + newImage + " did not reach"
                        + " every node that may run " + app + " within " + timeout + " (platform.kubernetes.prePull"
                        + ".timeout): " + s.message() + (lacking.isEmpty() ? "" : "; " + String.join("; ", lacking))
                        + "; nothing was rolled out. See: kubectl -n " + namespace + " describe daemonset "
                        + PrePullDaemonSet.name(app) + " (a registry outage: its mirrors, or pull Secrets)");
            }
            try {
                pause.pause(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "interrupted while pre-pulling " + newImage, e);
            }
        }
    }

    /** The DaemonSet's status for {@code newImage}: done when every eligible node runs a ready pod holding it. */
    public PrePullStatus observe(String namespace, String app, String newImage) {
        String name = PrePullDaemonSet.name(app);
        DaemonSet ds = ClusterCalls.call("read the pre-pull daemonset " + namespace + "/" + name,
                () -> client.apps().daemonSets().inNamespace(namespace).withName(name).get());
        if (ds == null) {
            return new PrePullStatus(false, 0, 0, 0, "daemon set " + namespace + "/" + name + " does not exist");
        }
        String holds = ds.getSpec().getTemplate().getMetadata().getAnnotations() == null ? null
                : ds.getSpec().getTemplate().getMetadata().getAnnotations().get(PrePullDaemonSet.NEW_IMAGE);
        if (!newImage.equals(holds)) {
            return new PrePullStatus(false, 0, 0, 0, "daemon set " + name + " holds " + holds + ", not " + newImage
                    + " (written by another deploy?)");
        }
        DaemonSetStatus st = ds.getStatus();
        long generation = ds.getMetadata().getGeneration() == null ? 0 : ds.getMetadata().getGeneration();
        if (st == null || st.getObservedGeneration() == null || st.getObservedGeneration() < generation) {
            return new PrePullStatus(false, 0, 0, 0, "waiting for daemon set " + name
                    + " to be observed by the DaemonSet controller");
        }
        int desired = value(st.getDesiredNumberScheduled());
        int updated = value(st.getUpdatedNumberScheduled());
        int ready = value(st.getNumberReady());
        String image = shortImage(newImage);
        if (updated < desired) {
            return new PrePullStatus(false, desired, updated, ready, "pre-pulling " + image + ": " + updated
                    + " of " + desired + " node(s) run the new pod");
        }
        if (ready < desired) {
            return new PrePullStatus(false, desired, updated, ready, "pre-pulling " + image + ": " + ready + " of "
                    + desired + " node(s) hold it");
        }
        return new PrePullStatus(true, desired, updated, ready, desired == 0
                ? "pre-pull of " + image + ": no node may run the app (nodeSelector, affinity, taints)"
                : "pre-pulled " + image + " on all " + desired + " eligible node(s)");
    }

    /** Nodes whose pre-pull pod is not ready, with the kubelet's reason, e.g. {@code node-b: ImagePullBackOff}. */
    List<String> lacking(String namespace, String app) {
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(namespace).withLabel(PrePullDaemonSet.LABEL, app).list().getItems();
        } catch (RuntimeException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Pod p : pods) {
            if (ready(p)) {
                continue;
            }
            String node = p.getSpec() == null || p.getSpec().getNodeName() == null ? p.getMetadata().getName()
                    : "node " + p.getSpec().getNodeName();
            out.add(node + ": " + reason(p));
        }
        return out;
    }

    public static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String reason(Pod p) {
        if (p.getStatus() == null) {
            return "no status yet";
        }
        List<ContainerStatus> all = Stream.concat(
                p.getStatus().getInitContainerStatuses() == null ? Stream.empty()
                        : p.getStatus().getInitContainerStatuses().stream(),
                p.getStatus().getContainerStatuses() == null ? Stream.empty()
                        : p.getStatus().getContainerStatuses().stream()).toList();
        return all.stream().filter(c -> c.getState() != null && c.getState().getWaiting() != null)
                .map(c -> c.getName() + " " + c.getState().getWaiting().getReason()
                        + (c.getState().getWaiting().getMessage() == null ? ""
                        : " (" + c.getState().getWaiting().getMessage() + ")"))
                .findFirst().orElse("not ready (phase " + p.getStatus().getPhase() + ")");
    }

    private static int value(Integer i) {
        return i == null ? 0 : i;
    }

    /** {@code repo@sha256:0123456789ab…}: enough to recognize a digest in a line. */
    static String shortImage(String image) {
        int at = image.indexOf("@sha256:");
        return at < 0 || image.length() < at + 20 ? image : image.substring(0, at + 20) + "…";
    }
}
