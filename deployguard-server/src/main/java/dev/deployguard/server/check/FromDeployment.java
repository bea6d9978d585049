package dev.deployguard.server.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Function;

/**
 * A cluster check whose parameters come from the app's Deployment as it is in the cluster (its pod selector, its
 * replicas and pod template): reads the Deployment when the check runs, then runs the check built from it. No
 * Deployment yet (a first deploy) is SKIPPED with the reason; an API server that does not answer is "cannot tell".
 */
final class FromDeployment implements Check {
    private final String name;
    private final KubernetesClient client;
    private final String namespace;
    private final String deployment;
    private final Function<Deployment, Check> build;

    FromDeployment(String name, KubernetesClient client, String namespace, String deployment,
                   Function<Deployment, Check> build) {
        this.name = name;
        this.client = client;
        this.namespace = namespace;
        this.deployment = deployment;
        this.build = build;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CheckResult run(CheckContext context) throws Exception {
        Deployment d;
        try {
            d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        } catch (KubernetesClientException e) {
            return CheckResult.error(name, "cannot read Deployment " + namespace + "/" + deployment + " at "
                    + client.getMasterUrl() + ": " + e.getMessage().lines().findFirst().orElse(""),
                    "check that the API server is reachable and the kubeconfig's user may get deployments there");
        }
        if (d == null) {
            return CheckResult.skipped(name, "Deployment " + namespace + "/" + deployment + " does not exist yet"
                    + " (a first deploy): nothing to judge it by");
        }
        return build.apply(d).run(context);
    }
}
