package dev.deployguard.server.kubernetes;

import dev.deployguard.kubernetes.deployment.DeploymentHistory;
import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.deployment.Revision;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.spec.KubernetesSpec;
import java.util.Map;
import dev.deployguard.kubernetes.progressive.CanaryActions;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.AppSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

/** A Deployment's canary: promotion copies the canary's pod template into the Deployment (a new revision). */
final class KubernetesCanaryTarget extends ClusterCanaryTarget {
    KubernetesCanaryTarget(KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
    }

    /** The plan's key for the canary's image. */
    static final String IMAGE = "image";

    @Override
    CanaryActions actions(KubernetesClient client) {
        return new CanaryActions(canary(client), new DeploymentRollback(client));
    }

    @Override
    KubernetesCanary canary(KubernetesClient client) {
        return KubernetesRollouts.canary(client, app);
    }

    @Override
    Map<String, String> marks(Map<String, String> plan) {
        return Map.of(KubernetesCanary.IMAGE, plan.get(IMAGE));
    }

    @Override
    KubernetesCanary.Progress start(KubernetesClient client, Map<String, String> plan) {
        return canary(client).start(app.kubernetes().container(), plan.get(IMAGE), plan.get(CHANGE_CAUSE));
    }

    /**
     * The first canary of an app gives the stable pods the track label by a rolling update, which makes a new
     * revision of the Deployment: the rollout is renumbered from the revision serving once prepared.
     */
    @Override
    public Rollout prepared(Rollout r, Waiting.Preparing p) {
        KubernetesSpec k = app.kubernetes();
        try (KubernetesClient client = cluster.clients().apply(k)) {
            long serving = new DeploymentHistory(client).list(k.namespace(), k.deploymentName(app.name())).stream()
                    .filter(Revision::current).mapToLong(Revision::number).findFirst().orElse(r.stableRevision());
            return serving == r.stableRevision() ? r
                    : r.toBuilder().revisions((int) serving, (int) serving + 1).build();
        }
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
