package dev.deployguard.server.kubernetes;

import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.progressive.AppWorkload;
import dev.deployguard.kubernetes.progressive.CanaryActions;
import dev.deployguard.kubernetes.progressive.CanaryRoutes;
import dev.deployguard.kubernetes.progressive.HelmChartRelease;
import dev.deployguard.kubernetes.progressive.HelmPromotion;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A Helm release's canary: the chart rendered with the new version runs beside the release's Deployment; promotion
 * is the Helm upgrade ({@link HelmPromotion}), with the traffic split in place while it rolls out.
 */
final class HelmCanaryTarget extends ClusterCanaryTarget {
    HelmCanaryTarget(KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
    }

    @Override
    CanaryActions actions(KubernetesClient client) {
        KubernetesSpec k = app.kubernetes();
        HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), cluster.clock());
        HelmChartRelease chart = KubernetesRollouts.chartRelease(app);
        KubernetesCanary canary = new KubernetesCanary(client, new AppWorkload(k.namespace(),
                chart.deploymentName(client, storage), k.service()), CanaryRoutes.route(client, app.name(), k), 1);
        return new CanaryActions(canary, new HelmPromotion(storage, cluster.renderer(), chart, canary,
                k.rolloutTimeout()));
    }

    @Override
    String stableDeployment(KubernetesClient client) {
        return KubernetesRollouts.chartRelease(app).deploymentName(client, new HelmReleaseStorage(client,
                app.kubernetes().namespace(), cluster.clock()));
    }

    @Override
    String promoted(Rollout r) {
        return "Helm release " + KubernetesRollouts.where(app) + " upgraded to the canary's version (revision "
                + r.canaryRevision() + "); its deployment rolls out with the traffic split in place";
    }
}
