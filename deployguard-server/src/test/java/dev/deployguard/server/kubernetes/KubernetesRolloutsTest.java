package dev.deployguard.server.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.MetricSourceSpec;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.KubernetesSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Kubernetes apps the rollout runner drives on the cluster, and where their analysis reads evidence. */
class KubernetesRolloutsTest {
    private static final KubernetesSpec.Traffic NGINX = new KubernetesSpec.Traffic(
            new KubernetesSpec.IngressNginx("web"), null);
    private static final KubernetesSpec.Traffic GATEWAY = new KubernetesSpec.Traffic(null,
            new KubernetesSpec.GatewayApi("web"));

    private static AppSpec app(KubernetesSpec.Traffic traffic, Strategy strategy) {
        return new AppSpec("web", null, strategy, null, null, new KubernetesSpec("shop", null, null, null, null, null,
                "web", traffic, Duration.ofMinutes(1)), null, null);
    }

    private static Strategy.Canary canary(MetricSourceSpec source) {
        AnalysisSpec d = AnalysisSpec.defaults();
        return new Strategy.Canary(List.of(new Step.SetWeight(2_000)), new AnalysisSpec(d.judge(), d.interval(),
                d.minDuration(), d.maxDuration(), d.alpha(), d.tolerance(), d.successRate(), d.maxLatencyMillis(),
                d.failureLimit(), d.latency(), d.latencyWarmup(), d.negligibleErrorRate(), source),
                Duration.ZERO, List.of());
    }

    private static KubernetesRollouts rollouts(String prometheusUrl) {
        return new KubernetesRollouts(null, null, Clock.systemUTC(), spec -> {
            throw new AssertionError("no cluster call expected");
        }, prometheusUrl, Duration.ofMillis(10));
    }

    @Test
    void onlyACanaryWithATrafficRouterIsDrivenOnTheCluster() {
        assertThat(KubernetesRollouts.drives(app(NGINX, canary(null)))).isTrue();
        assertThat(KubernetesRollouts.drives(app(null, canary(null)))).isFalse();
        assertThat(KubernetesRollouts.drives(app(NGINX, new Strategy.Replace()))).isFalse();
    }

    @Test
    void blueGreenIsDrivenOnTheClusterWhenTheAppNamesItsServiceAndReadsOnlyItsOwnSource() {
        Strategy.BlueGreen bg = new Strategy.BlueGreen(null, List.of(), true, Duration.ofSeconds(30),
                AnalysisSpec.defaults(), Duration.ZERO, List.of());
        assertThat(KubernetesRollouts.drives(app(null, bg))).isTrue();
        AppSpec noService = new AppSpec("web", null, bg, null, null, new KubernetesSpec("shop", null, null, null,
                null, null, null, null, Duration.ofMinutes(1)), null, null);
        assertThat(KubernetesRollouts.drives(noService)).isFalse();
        assertThat(rollouts("http://prom:9090").source(app(NGINX, bg))).as("no router carries the preview's traffic")
                .isNull();
    }

    @Test
    void aHelmReleaseIsDrivenOnTheClusterWhenItNamesItsService() {
        KubernetesSpec.Helm helm = new KubernetesSpec.Helm(null, "charts/web", List.of(), null);
        Strategy.BlueGreen bg = new Strategy.BlueGreen(null, List.of(), true, Duration.ofSeconds(30),
                AnalysisSpec.defaults(), Duration.ZERO, List.of());
        assertThat(KubernetesRollouts.drives(helmApp(helm, "web", NGINX, canary(null)))).isTrue();
        assertThat(KubernetesRollouts.drives(helmApp(helm, "web", null, bg))).isTrue();
        assertThat(KubernetesRollouts.drives(helmApp(helm, null, NGINX, canary(null)))).isFalse();
        assertThat(KubernetesRollouts.drives(helmApp(helm, "web", null, canary(null)))).isFalse();
        assertThat(KubernetesRollouts.drives(helmApp(helm, "web", NGINX, new Strategy.Replace()))).isFalse();
    }

    private static AppSpec helmApp(KubernetesSpec.Helm helm, String service, KubernetesSpec.Traffic traffic,
                                   Strategy strategy) {
        return new AppSpec("web", null, strategy, null, null, new KubernetesSpec("shop", null, null, null, null, helm,
                service, traffic, Duration.ofMinutes(1)), null, null);
    }

    @Test
    void theSpecsSourceWinsThenTheIngressNginxDefaultThenNone() {
        MetricSourceSpec own = new MetricSourceSpec("prometheus", "http://127.0.0.1:9090", "a", "b", "c", "d", null,
                Duration.ofSeconds(5));
        assertThat(rollouts("http://prom:9090").source(app(NGINX, canary(own)))).isSameAs(own);

        MetricSourceSpec nginx = rollouts("http://prom:9090").source(app(NGINX, canary(null)));
        assertThat(nginx.url()).isEqualTo("http://prom:9090");
        assertThat(nginx.canaryErrors()).contains("namespace=\"shop\"", "ingress=\"web\"", "canary!=\"\"",
                "status=~\"5..\"");

        assertThat(rollouts(null).source(app(NGINX, canary(null)))).isNull();
        assertThat(rollouts(" ").source(app(NGINX, canary(null)))).isNull();
        assertThat(rollouts("http://prom:9090").source(app(GATEWAY, canary(null))))
                .as("no default queries for Gateway API").isNull();
    }

    @Test
    void inTheClusterTheLoadGoesToBothServicesDnsNames() {
        KubernetesSpec k = new KubernetesSpec("shop", null, null, null, null, null, "web", NGINX,
                java.time.Duration.ofMinutes(1), KubernetesSpec.PrePull.OFF);
        assertThat(ClusterLoadTargets.inClusterAddresses(k, 8080)).containsOnly(
                java.util.Map.entry("stable", java.net.URI.create("http://web.shop.svc:8080")),
                java.util.Map.entry("canary", java.net.URI.create("http://web-canary.shop.svc:8080")));
        assertThat(ClusterLoadTargets.of(k, false, null)).as("outside the cluster with no loadTargets").isEmpty();
    }
}
