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
        assertThat(spec.stableRequests()).isEqualTo(growth("namespace=\"shop\",ingress=\"web\",canary=\"\""));
        assertThat(spec.stableErrors()).isEqualTo(
                growth("namespace=\"shop\",ingress=\"web\",canary=\"\",status=~\"5..\""));
        assertThat(spec.canaryRequests()).isEqualTo(growth("namespace=\"shop\",ingress=\"web\",canary!=\"\""));
        assertThat(spec.canaryErrors()).isEqualTo("sum(((nginx_ingress_controller_requests{namespace=\"shop\","
                + "ingress=\"web\",canary!=\"\",status=~\"5..\"} - nginx_ingress_controller_requests{namespace=\"shop\","
                + "ingress=\"web\",canary!=\"\",status=~\"5..\"} offset {{window}}) >= 0) or "
                + "nginx_ingress_controller_requests{namespace=\"shop\",ingress=\"web\",canary!=\"\",status=~\"5..\"})");
        assertThat(spec.bearerTokenEnv()).isNull();
        assertThat(spec.timeout()).hasSeconds(10);
    }

    @Test
    void labelValuesAreEscaped() {
        MetricSourceSpec spec = IngressNginxMetrics.source("http://prometheus:9090", "a\\b", "c\"d");

        assertThat(spec.stableRequests()).contains("namespace=\"a\\\\b\",ingress=\"c\\\"d\"");
    }

    /** Growth in the window: end less start per series, or the end value for a series born or reset in it. */
    private static String growth(String selector) {
        String counters = "nginx_ingress_controller_requests{" + selector + "}";
        return "sum(((" + counters + " - " + counters + " offset {{window}}) >= 0) or " + counters + ")";
    }
}
