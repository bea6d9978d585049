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
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * A Helm release's canary: the chart rendered with the new version runs beside the release's Deployment; promotion
 * is the Helm upgrade ({@link HelmPromotion}), with the traffic split in place while it rolls out.
 */
final class HelmCanaryTarget extends ClusterCanaryTarget {
    HelmCanaryTarget(KubernetesRollouts cluster, AppSpec app) {
        super(cluster, app);
    }

    /** The plan's key for the values a plain deploy of the version would add. */
    static final String VERSION_VALUES = "versionValues";

    @Override
    CanaryActions actions(KubernetesClient client) {
        KubernetesSpec k = app.kubernetes();
        HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), cluster.clock());
        KubernetesCanary canary = canary(client);
        return new CanaryActions(canary, new HelmPromotion(storage, cluster.renderer(),
                KubernetesRollouts.chartRelease(app), canary, k.rolloutTimeout(),
                () -> HelmApps.kubeconfigForHelm(k, client)));
    }

    @Override
    KubernetesCanary canary(KubernetesClient client) {
        KubernetesSpec k = app.kubernetes();
        HelmReleaseStorage storage = new HelmReleaseStorage(client, k.namespace(), cluster.clock());
        return new KubernetesCanary(client, new AppWorkload(k.namespace(), KubernetesRollouts.chartRelease(app)
                .deploymentName(client, storage), k.service()), CanaryRoutes.route(client, app.name(), k), 1);
    }

    @Override
    Map<String, String> marks(Map<String, String> plan) {
        return Map.of(HelmChartRelease.VERSION_VALUES, plan.get(VERSION_VALUES));
    }

    /** The chart rendered with the version's values gives the canary's whole pod template. */
    @Override
    KubernetesCanary.Progress start(KubernetesClient client, Map<String, String> plan) {
        KubernetesSpec k = app.kubernetes();
        Deployment rendered = KubernetesRollouts.chartRelease(app).render(client, cluster.renderer(),
                k.namespace(), plan.get(VERSION_VALUES));
        KubernetesCanary canary = new KubernetesCanary(client, new AppWorkload(k.namespace(),
                rendered.getMetadata().getName(), k.service()), CanaryRoutes.route(client, app.name(), k), 1);
        return canary.start(rendered.getSpec().getTemplate(), plan.get(CHANGE_CAUSE),
                Map.of(HelmChartRelease.VERSION_VALUES, plan.get(VERSION_VALUES)));
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
