package dev.deployguard.kubernetes.check;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether a pod is healthy as the kubelet reports it, and if not, why in its own words. Healthy: phase Succeeded, or
 * Running with no container waiting (a crash-looping container leaves its pod Running while it waits to restart).
 */
final class PodTrouble {
    private PodTrouble() {
    }

    /** Why the pod is unhealthy, e.g. {@code web-1 Running, container web waiting: CrashLoopBackOff (...)}. */
    static Optional<String> of(Pod pod) {
        PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        String phase = status.getPhase() == null ? "Unknown" : status.getPhase();
        List<String> why = new ArrayList<>();
        if (status.getReason() != null) {
            why.add(status.getReason() + (status.getMessage() == null ? "" : ": " + status.getMessage()));
        }
        if ("Pending".equals(phase) && status.getConditions() != null) {
            for (PodCondition c : status.getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    why.add("not scheduled: " + c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage()));
                }
            }
        }
        for (ContainerStatus cs : containers(status)) {
            var state = cs.getState();
            if (state != null && state.getWaiting() != null && state.getWaiting().getReason() != null) {
                var w = state.getWaiting();
                why.add("container " + cs.getName() + " waiting: " + w.getReason()
                        + (w.getMessage() == null ? "" : " (" + w.getMessage() + ")")
                        + restarts(cs));
            } else if (!"Succeeded".equals(phase) && state != null && state.getTerminated() != null) {
                var t = state.getTerminated();
                why.add("container " + cs.getName() + " terminated: " + t.getReason() + " (exit code "
                        + t.getExitCode() + ")" + restarts(cs));
            }
        }
        boolean healthy = "Succeeded".equals(phase) || ("Running".equals(phase)
                && containers(status).stream().noneMatch(cs -> cs.getState() != null
                && cs.getState().getWaiting() != null));
        if (healthy) {
            return Optional.empty();
        }
        return Optional.of(pod.getMetadata().getName() + " " + phase
                + (why.isEmpty() ? "" : ", " + String.join(", ", why)));
    }

    private static List<ContainerStatus> containers(PodStatus status) {
        return Stream.concat(
                status.getInitContainerStatuses() == null ? Stream.empty() : status.getInitContainerStatuses().stream(),
                status.getContainerStatuses() == null ? Stream.empty() : status.getContainerStatuses().stream())
                .toList();
    }

    private static String restarts(ContainerStatus cs) {
        Integer n = cs.getRestartCount();
        return n == null || n == 0 ? "" : ", " + n + " restart(s)";
    }
}
