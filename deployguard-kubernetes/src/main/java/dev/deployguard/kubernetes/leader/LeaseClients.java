package dev.deployguard.kubernetes.leader;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Kubernetes client the control plane elects its leader with. Unlike an app's client (chosen by its spec), the
 * control plane's own identity is the environment's: the pod's service account in a cluster, else {@code KUBECONFIG},
 * else {@code ~/.kube/config}. Opening it reads the Lease once, so a missing kubeconfig, an unreachable API server or
 * missing RBAC stops {@code deployguard server --leader-elect} at start with what to do, instead of a replica that
 * silently never leads.
 */
public final class LeaseClients {
    static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private LeaseClients() {
    }

    /** A client for electing on Lease {@code namespace/name}; a null namespace means the environment's own. */
    public static Opened open(String namespace, String leaseName) {
        return open(namespace, leaseName, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * The client, the namespace of the Lease it elects on, and this process's own Pod to label with its role (null
     * when not in a Pod: outside a cluster without {@code POD_NAME}).
     */
    public record Opened(KubernetesClient client, String namespace, PodRoleLabel.PodRef pod) {
    }

    static Opened open(String namespace, String leaseName, Map<String, String> env, Path userHome) {
        String kubeconfig = env.get("KUBECONFIG");
        boolean inCluster = env.get("KUBERNETES_SERVICE_HOST") != null && Files.isRegularFile(SERVICE_ACCOUNT_TOKEN);
        boolean fromEnv = kubeconfig != null && !kubeconfig.isBlank()
                && Files.isRegularFile(Path.of(kubeconfig.split(File.pathSeparator)[0]));
        Path home = userHome.resolve(".kube").resolve("config");
        if (!inCluster && !fromEnv && !Files.isRegularFile(home)) {
            throw DeployGuardException.badInput("--leader-elect needs a Kubernetes API server for its Lease, and"
                    + " none is configured: not in a pod (no service account token), "
                    + (kubeconfig == null || kubeconfig.isBlank() ? "KUBECONFIG unset" : "KUBECONFIG=" + kubeconfig
                    + " is not a file") + ", no " + home + "; run in the cluster (deploy/kubernetes/) or point"
                    + " KUBECONFIG at the cluster's kubeconfig");
        }
        Config config = Config.autoConfigure(null);
        String ns = namespace != null ? namespace : config.getNamespace() != null ? config.getNamespace() : "default";
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            check(client, ns, leaseName);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return new Opened(client, ns, PodRoleLabel.PodRef.fromEnvironment(env, inCluster, ns));
    }

    /** Reads the Lease once (absent is fine: the first leader creates it). */
    static void check(KubernetesClient client, String namespace, String leaseName) {
        try {
            client.resources(Lease.class).inNamespace(namespace).withName(leaseName).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 401 || e.getCode() == 403) {
                throw DeployGuardException.badInput("the Kubernetes API at " + client.getMasterUrl() + " refuses to"
                        + " let this control plane read Lease " + namespace + "/" + leaseName + " (HTTP "
                        + e.getCode() + "); grant get/create/update/patch on leases.coordination.k8s.io in "
                        + namespace + " (deploy/kubernetes/20-rbac.yaml, Role deployguard-leader-election)");
            }
            throw new DeployGuardException(ExitCode.UNREACHABLE, "cannot read Lease " + namespace + "/" + leaseName
                    + " at the Kubernetes API " + client.getMasterUrl() + ": " + e.getMessage()
                    + "; check that the API server is reachable from here (kubectl get lease -n " + namespace + ")", e);
        }
    }
}
