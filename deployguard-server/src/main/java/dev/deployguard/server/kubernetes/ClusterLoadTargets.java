package dev.deployguard.server.kubernetes;

import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.util.Map;

/**
 * Where a Kubernetes canary's built-in load goes: to each track's Service, the rate shared evenly, so both tracks
 * get the same synthetic evidence whatever the canary's weight. The spec's {@code traffic.loadTargets} when given
 * (what the control plane can reach from outside the cluster: a NodePort, a LoadBalancer, a port-forward); else,
 * when the control plane runs in the cluster (a pod: {@code KUBERNETES_SERVICE_HOST} set), the Services' cluster
 * DNS names on the stable Service's first port; else nowhere (the load is reported as not sent).
 */
final class ClusterLoadTargets {
    private ClusterLoadTargets() {
    }

    /** The targets of {@code k}'s canary; {@code inCluster} whether this process runs in a pod of the cluster. */
    static Map<String, URI> of(KubernetesSpec k, boolean inCluster, KubernetesClient client) {
        KubernetesSpec.LoadTargets named = k.traffic() == null ? null : k.traffic().loadTargets();
        if (named != null) {
            return Map.of("stable", named.stable(), "canary", named.canary());
        }
        if (!inCluster || k.service() == null) {
            return Map.of();
        }
        Service s = client.services().inNamespace(k.namespace()).withName(k.service()).get();
        int port = s == null || s.getSpec() == null || s.getSpec().getPorts() == null
                || s.getSpec().getPorts().isEmpty() ? 80 : s.getSpec().getPorts().get(0).getPort();
        return inClusterAddresses(k, port);
    }

    /** The cluster DNS addresses of the stable and canary Services on {@code port}. */
    static Map<String, URI> inClusterAddresses(KubernetesSpec k, int port) {
        return Map.of("stable", URI.create("http://" + k.service() + "." + k.namespace() + ".svc:" + port),
                "canary", URI.create("http://" + k.service() + "-canary." + k.namespace() + ".svc:" + port));
    }

    /** Whether this process runs in a Kubernetes pod (the kubelet sets this variable in every container). */
    static boolean inCluster() {
        String host = System.getenv("KUBERNETES_SERVICE_HOST");
        return host != null && !host.isBlank();
    }
}
