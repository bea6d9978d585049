package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesSpecParserTest {
    @TempDir
    Path dir;

    private AppSpec parse(String kubernetes) {
        String yaml = """
                apps:
                  web:
                    platform:
                      kubernetes:
                """ + kubernetes.indent(8);
        return new SpecParser().parse(yaml, "deployguard.yaml", dir).apps().get("web");
    }

    @Test
    void fullSectionIsReadWithPathsRelativeToTheSpecFile() {
        AppSpec app = parse("""
                namespace: shop
                context: kind-dev
                kubeconfig: kube/config
                container: web
                helm: {release: web, chart: charts/web, values: [values.yaml], deployment: web-api}
                service: web
                traffic:
                  ingressNginx: {ingress: web}
                rolloutTimeout: 2m
                """);
        KubernetesSpec k = app.kubernetes();
        assertThat(app.onKubernetes()).isTrue();
        assertThat(k.namespace()).isEqualTo("shop");
        assertThat(k.context()).isEqualTo("kind-dev");
        assertThat(k.kubeconfig()).isEqualTo(dir.resolve("kube/config"));
        assertThat(k.helm().chart()).isEqualTo(dir.resolve("charts/web").toString());
        assertThat(k.helm().values()).containsExactly(dir.resolve("values.yaml"));
        assertThat(k.helm().deployment()).isEqualTo("web-api");
        assertThat(k.traffic().ingressNginx().ingress()).isEqualTo("web");
        assertThat(k.traffic().gatewayApi()).isNull();
        assertThat(k.rolloutTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void defaultsNameTheDeploymentAfterTheAppAndWaitTenMinutes() {
        KubernetesSpec k = parse("namespace: shop\n").kubernetes();
        assertThat(k.deploymentName("web")).isEqualTo("web");
        assertThat(k.container()).isNull();
        assertThat(k.rolloutTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(k.kubeconfig()).isNull();
    }

    @Test
    void mistakesAreReportedWithTheirPath() {
        assertThatThrownBy(() -> parse("""
                deployment: Web_1
                helm: {chart: charts/web}
                traffic: {ingressNginx: {ingress: a}, gatewayApi: {httpRoute: b}}
                rolloutTimeout: soon
                replicas: 3
                """))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.replicas: unknown field 'replicas'");
        assertThatThrownBy(() -> parse("""
                deployment: Web_1
                helm: {chart: charts/web}
                traffic: {ingressNginx: {ingress: a}, gatewayApi: {httpRoute: b}}
                rolloutTimeout: soon
                """))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.namespace: missing")
                .hasMessageContaining("apps.web.platform.kubernetes.deployment: 'Web_1' is not a Deployment name")
                .hasMessageContaining("not both")
                .hasMessageContaining("apps.web.platform.kubernetes.traffic: expected exactly one router")
                .hasMessageContaining("apps.web.platform.kubernetes.rolloutTimeout:");
    }

    @Test
    void prePullIsOffByDefaultAndReadWithItsDefaults() {
        assertThat(parse("namespace: shop\n").kubernetes().prePull()).isEqualTo(KubernetesSpec.PrePull.OFF);
        KubernetesSpec.PrePull p = parse("namespace: shop\nprePull: {}\n").kubernetes().prePull();
        assertThat(p.enabled()).isTrue();
        assertThat(p.timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.helperImage()).isEqualTo("busybox:1.36.1");
        KubernetesSpec.PrePull full = parse("""
                namespace: shop
                prePull: {enabled: true, timeout: 90s, helperImage: "mirror.local/busybox@sha256:abc"}
                """).kubernetes().prePull();
        assertThat(full.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(full.helperImage()).isEqualTo("mirror.local/busybox@sha256:abc");
        assertThat(parse("namespace: shop\nprePull: {enabled: false}\n").kubernetes().prePull().enabled())
                .isFalse();
    }

    @Test
    void prePullMistakesAreReportedWithTheirPath() {
        assertThatThrownBy(() -> parse("namespace: shop\nprePull: {timeout: 0s, helperImage: \"a b\"}\n"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.prePull.timeout: must be longer than 0")
                .hasMessageContaining("apps.web.platform.kubernetes.prePull.helperImage: 'a b' is not an image");
    }

    @Test
    void prePullIsAcceptedForAHelmRelease() {
        assertThat(parse("namespace: shop\nhelm: {chart: charts/web}\nprePull: {enabled: true}\n").kubernetes()
                .prePull().enabled()).isTrue();
    }

    @Test
    void loadTargetsNameEachTracksServiceAddress() {
        KubernetesSpec k = parse("""
                namespace: shop
                service: web
                traffic:
                  gatewayApi: {httpRoute: web}
                  loadTargets: {stable: "http://127.0.0.1:8080", canary: "http://10.0.0.7:30081/"}
                """).kubernetes();
        assertThat(k.traffic().loadTargets().stable()).hasToString("http://127.0.0.1:8080");
        assertThat(k.traffic().loadTargets().canary()).hasToString("http://10.0.0.7:30081");
    }

    @Test
    void loadTargetsThatAreNotPlainHttpAddressesAreRefusedWithTheirPath() {
        assertThatThrownBy(() -> parse("""
                namespace: shop
                service: web
                traffic:
                  ingressNginx: {ingress: web}
                  loadTargets: {stable: "https://shop.example.com", canary: "http://127.0.0.1:8081/healthz"}
                """)).hasMessageContaining("platform.kubernetes.traffic.loadTargets.stable: 'https://shop.example.com'"
                        + " is not a plain http address")
                .hasMessageContaining("platform.kubernetes.traffic.loadTargets.canary: 'http://127.0.0.1:8081/healthz'");
        assertThatThrownBy(() -> parse("""
                namespace: shop
                traffic:
                  ingressNginx: {ingress: web}
                  loadTargets: {stable: "http://127.0.0.1:8080"}
                """)).hasMessageContaining("loadTargets.canary: missing");
    }
}
