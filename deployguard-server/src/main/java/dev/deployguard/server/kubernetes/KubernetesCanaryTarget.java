package dev.deployguard.server.kubernetes;

import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.progressive.CanaryActions;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.AppSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

/** A Deployment's canary: promotion copies the canary's pod template into the Deployment (a new revision). */
final class KubernetesCanaryTarget extends ClusterCanaryTarget {
    KubernetesCanaryTarget(KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
    }

    @Override
    CanaryActions actions(KubernetesClient client) {
        return new CanaryActions(KubernetesRollouts.canary(client, app), new DeploymentRollback(client));
    }

    @Override
    String stableDeployment(KubernetesClient client) {
        return app.kubernetes().deploymentName(app.name());
    }

    @Override
    String promoted(Rollout r) {
        return "canary template copied into deployment " + KubernetesRollouts.where(app) + "; it rolls out as revision "
                + r.canaryRevision();
    }
}
