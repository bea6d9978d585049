package dev.deployguard.server.kubernetes;

import dev.deployguard.kubernetes.helm.ChartRenderer;
import dev.deployguard.kubernetes.progressive.HelmChartRelease;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@code platform.kubernetes.prePull} for a Helm release, before an upgrade or a canary moves anything: the chart is
 * rendered with the version's values, as the upgrade or the canary will render it; the image of its Deployment's
 * container (the one {@code container} names, else the first) is warmed by the app's pre-pull DaemonSet on exactly
 * the nodes the rendered pod template may run on (its node selector, node affinity, tolerations, pull Secrets), and
 * the image the release's live Deployment serves now is kept there as the rollback image — so a Helm rollback, like a
 * Deployment's, finds its image on every node.
 */
final class HelmPrePull {
    private final ClusterImages images;
    private final ChartRenderer renderer;

    HelmPrePull(ClusterImages images, ChartRenderer renderer) {
        this.images = images;
        this.renderer = renderer;
    }

    /**
     * @param versionValues the values the deploy adds to the chart's (JSON), as the upgrade or canary gets them
     * @throws dev.deployguard.error.DeployGuardException (exit 3) when the timeout passes before every eligible node
     *                                                    holds the new image; BAD_INPUT when the chart does not render
     */
    void warm(KubernetesClient client, AppSpec app, String versionValues, String actor) {
        KubernetesSpec k = app.kubernetes();
        if (!k.prePull().enabled()) {
            return;
        }
        HelmChartRelease chart = KubernetesRollouts.chartRelease(app);
        Deployment rendered = chart.render(client, renderer, k.namespace(), versionValues);
        PodSpec pod = rendered.getSpec().getTemplate().getSpec();
        Deployment live = client.apps().deployments().inNamespace(k.namespace())
                .withName(rendered.getMetadata().getName()).get();
        String serving = live == null ? null : ClusterImages.image(live.getSpec().getTemplate().getSpec(),
                k.container());
        images.prePull(client, app.name(), k, pod, serving, ClusterImages.image(pod, k.container()), actor);
    }
}
