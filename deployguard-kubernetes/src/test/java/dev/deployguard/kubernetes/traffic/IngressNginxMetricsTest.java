package dev.deployguard.kubernetes.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.rollout.MetricSourceSpec;
import org.junit.jupiter.api.Test;

class IngressNginxMetricsTest {

    @Test
    void stableAndCanaryAreToldApartByTheCanaryLabelAndErrorsAre5xx() {
        MetricSourceSpec spec = IngressNginxMetrics.source("http://prometheus:9090", "shop", "web");

        assertThat(spec.kind()).isEqualTo("prometheus");
        assertThat(spec.url()).isEqualTo("http://prometheus:9090");
        assertThat(spec.stableRequests()).isEqualTo(
                "sum(increase(nginx_ingress_controller_requests{namespace=\"shop\",ingress=\"web\",canary=\"\"}[{{window}}]))");
        assertThat(spec.stableErrors()).isEqualTo(
                "sum(increase(nginx_ingress_controller_requests{namespace=\"shop\",ingress=\"web\",canary=\"\",status=~\"5..\"}[{{window}}]))");
        assertThat(spec.canaryRequests()).isEqualTo(
                "sum(increase(nginx_ingress_controller_requests{namespace=\"shop\",ingress=\"web\",canary!=\"\"}[{{window}}]))");
        assertThat(spec.canaryErrors()).isEqualTo(
                "sum(increase(nginx_ingress_controller_requests{namespace=\"shop\",ingress=\"web\",canary!=\"\",status=~\"5..\"}[{{window}}]))");
        assertThat(spec.bearerTokenEnv()).isNull();
        assertThat(spec.timeout()).hasSeconds(10);
    }
}
