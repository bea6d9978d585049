package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StrategyParserTest {
    private static final String APP = """
            apps:
              web:
                platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                strategy:
            """;

    private Strategy parse(String strategy) {
        return new SpecParser().parse(APP + strategy.indent(6), "t.yaml", Path.of("/")).app("web").orElseThrow()
                .strategy();
    }

    @Test
    void argoStyleStepsWithBasisPointWeights() {
        var c = (Strategy.Canary) parse("""
                canary:
                  steps:
                    - setWeight: 0.5
                    - pause: {duration: 30s}
                    - analysis: {judge: threshold, interval: 10s}
                    - webhook: {name: smoke, url: "http://127.0.0.1:9000/smoke", timeout: 3s, onFailure: block}
                    - setWeight: 50
                    - pause: {}
                  bake: 2m
                  analysis: {alpha: 0.05, tolerance: 0.1}
                """);
        assertThat(c.steps()).hasSize(6);
        assertThat(c.steps().get(0)).isEqualTo(new Step.SetWeight(50));
        assertThat(c.steps().get(1)).isEqualTo(new Step.Pause(Duration.ofSeconds(30)));
        assertThat(((Step.Analysis) c.steps().get(2)).analysis().judge()).isEqualTo("threshold");
        assertThat(((Step.Webhook) c.steps().get(3)).webhook().onFailure()).isEqualTo("block");
        assertThat(c.steps().get(5)).isEqualTo(new Step.Pause(null));
        assertThat(c.bake()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.analysis().alpha()).isEqualTo(0.05);
        assertThat(((Step.Analysis) c.steps().get(2)).analysis().alpha()).as("a step inherits the strategy's analysis")
                .isEqualTo(0.05);
    }

    @Test
    void flaggerShorthandExpandsToWeightAndAnalysisSteps() {
        var c = (Strategy.Canary) parse("""
                canary:
                  interval: 1m
                  threshold: 5
                  stepWeight: 10
                  maxWeight: 30
                  webhooks:
                    - {name: acceptance, type: acceptance, url: "http://127.0.0.1:1/a"}
                    - {name: page, type: rollback, url: "http://127.0.0.1:1/p"}
                    - {name: announce, type: post-rollout, url: "http://127.0.0.1:1/done"}
                """);
        assertThat(c.steps()).extracting(s -> s.getClass().getSimpleName())
                .containsExactly("Webhook", "SetWeight", "Analysis", "SetWeight", "Analysis", "SetWeight", "Analysis");
        assertThat(c.steps()).filteredOn(s -> s instanceof Step.SetWeight).extracting(s -> ((Step.SetWeight) s)
                .basisPoints()).containsExactly(1000, 2000, 3000);
        assertThat(((Step.Analysis) c.steps().get(2)).analysis().minDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.hooks()).extracting(h -> h.name()).containsExactly("page", "announce");
    }

    @Test
    void flaggerShorthandStepsPastMaxWeightAndFollowsStepWeightsAsFlaggerDoes() {
        var overshoot = (Strategy.Canary) parse("canary: {stepWeight: 20, maxWeight: 50}");
        assertThat(weights(overshoot)).as("Flagger's docs: 20, 40, 60, then promotion").containsExactly(2000, 4000, 6000);

        var list = (Strategy.Canary) parse("canary: {stepWeights: [1, 2, 10, 80], stepWeightPromotion: 50}");
        assertThat(weights(list)).containsExactly(100, 200, 1000, 8000);
        assertThat(list.steps()).filteredOn(s -> s instanceof Step.Analysis).hasSize(4);

        var fine = (Strategy.Canary) parse("canary: {stepWeights: [0.5, 5]}");
        assertThat(weights(fine)).containsExactly(50, 500);

        assertThatThrownBy(() -> parse("canary: {stepWeights: []}")).hasMessageContaining("stepWeights: expected at least");
        assertThatThrownBy(() -> parse("canary: {stepWeights: [10, 0]}"))
                .hasMessageContaining("stepWeights[1]: expected a percentage above 0");
        assertThatThrownBy(() -> parse("canary: {stepWeights: [10, 5]}"))
                .hasMessageContaining("stepWeights: expected increasing weights");
        assertThatThrownBy(() -> parse("canary: {stepWeightPromotion: 150}"))
                .hasMessageContaining("stepWeightPromotion: expected a percentage from 0 to 100");
    }

    @Test
    void flaggerGatesSitWhereFlaggerAsksThem() {
        var c = (Strategy.Canary) parse("""
                canary:
                  stepWeight: 25
                  maxWeight: 50
                  webhooks:
                    - {name: go, type: confirm-rollout, url: "http://127.0.0.1:1/go"}
                    - {name: db, type: pre-rollout, url: "http://127.0.0.1:1/db"}
                    - {name: more, type: confirm-traffic-increase, url: "http://127.0.0.1:1/more"}
                    - {name: ship, type: confirm-promotion, url: "http://127.0.0.1:1/ship"}
                """);
        assertThat(c.steps()).extracting(StrategyParserTest::describe).containsExactly("go", "db", "more", "2500",
                "analysis", "more", "5000", "analysis", "ship");
        assertThat(c.steps()).filteredOn(st -> st instanceof Step.Webhook).extracting(st -> ((Step.Webhook) st)
                .webhook().onFailure()).containsExactly("hold", "count", "hold", "hold", "hold");

        var skipped = (Strategy.Canary) parse("canary: {stepWeight: 10, skipAnalysis: true}");
        assertThat(skipped.steps()).as("skipAnalysis promotes at once").isEmpty();
    }

    @Test
    void flaggerBlueGreenIterationsAreOneAnalysisOfIterationsIntervals() {
        var b = (Strategy.BlueGreen) parse("""
                blueGreen:
                  previewListen: 127.0.0.1:8081
                  iterations: 10
                  interval: 30s
                  threshold: 2
                """);
        assertThat(b.prePromotion()).hasSize(1);
        AnalysisSpec a = ((Step.Analysis) b.prePromotion().get(0)).analysis();
        assertThat(a.minDuration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(a.failureLimit()).isEqualTo(2);
        assertThatThrownBy(() -> parse("blueGreen: {previewListen: 127.0.0.1:8081, iterations: 0}"))
                .hasMessageContaining("blueGreen.iterations: expected 1 or more, got 0");
    }

    private static String describe(Step st) {
        if (st instanceof Step.Webhook w) {
            return w.webhook().name();
        }
        return st instanceof Step.SetWeight sw ? String.valueOf(sw.basisPoints()) : "analysis";
    }

    private static java.util.List<Integer> weights(Strategy.Canary c) {
        return c.steps().stream().filter(s -> s instanceof Step.SetWeight).map(s -> ((Step.SetWeight) s).basisPoints())
                .toList();
    }

    @Test
    void flaggerShorthandWithoutIntervalChecksOncePerMinuteForTheThresholdJudge() {
        var threshold = (Strategy.Canary) parse("""
                canary:
                  threshold: 5
                  analysis: {judge: threshold}
                """);
        assertThat(threshold.analysis().interval()).as("Flagger's default interval: threshold 5 = five 1-minute checks")
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(((Step.Analysis) threshold.steps().get(1)).analysis().interval()).isEqualTo(Duration.ofMinutes(1));

        var ownInterval = (Strategy.Canary) parse("""
                canary:
                  threshold: 5
                  analysis: {judge: threshold, interval: 30s}
                """);
        assertThat(ownInterval.analysis().interval()).as("an analysis interval set by the user stays")
                .isEqualTo(Duration.ofSeconds(30));

        var sequential = (Strategy.Canary) parse("""
                canary:
                  stepWeight: 20
                """);
        assertThat(sequential.analysis().interval()).as("the sequential judge keeps looking every 5 s")
                .isEqualTo(Duration.ofSeconds(5));
    }

    /** Regression: the shorthand rebuilt its analyses without {@code compat}, so strict was silently dropped. */
    @Test
    void flaggerShorthandKeepsCompatStrictOnEveryCheck() {
        var strict = (Strategy.Canary) parse("""
                canary:
                  stepWeight: 25
                  maxWeight: 50
                  analysis: {judge: threshold, compat: strict}
                """);
        assertThat(strict.analysis().strict()).isTrue();
        assertThat(strict.steps()).filteredOn(s -> s instanceof Step.Analysis).hasSize(2)
                .allSatisfy(s -> assertThat(((Step.Analysis) s).analysis().strict()).isTrue());

        var blueGreen = (Strategy.BlueGreen) parse("""
                blueGreen:
                  previewListen: 127.0.0.1:8081
                  iterations: 3
                  analysis: {judge: threshold, compat: strict}
                """);
        assertThat(((Step.Analysis) blueGreen.prePromotion().get(0)).analysis().strict()).isTrue();

        var byDefault = (Strategy.Canary) parse("canary: {stepWeight: 25, analysis: {judge: threshold}}");
        assertThat(byDefault.steps()).filteredOn(s -> s instanceof Step.Analysis)
                .allSatisfy(s -> assertThat(((Step.Analysis) s).analysis().strict()).isFalse());
    }

    @Test
    void blueGreen() {
        var b = (Strategy.BlueGreen) parse("""
                blueGreen:
                  previewListen: 127.0.0.1:8081
                  autoPromote: false
                  scaleDownDelay: 5m
                  prePromotion:
                    - webhook: {name: smoke, url: "http://127.0.0.1:1/s"}
                """);
        assertThat(b.previewListen()).isEqualTo("127.0.0.1:8081");
        assertThat(b.autoPromote()).isFalse();
        assertThat(b.scaleDownDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(b.prePromotion()).hasSize(1);
    }

    @Test
    void previewListenIsRequiredLocallyButOptionalOnKubernetes() {
        assertThatThrownBy(() -> parse("blueGreen: {autoPromote: false}")).isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.strategy.blueGreen.previewListen: missing; expected the address");
        var b = (Strategy.BlueGreen) new SpecParser().parse("""
                apps:
                  web:
                    platform: {kubernetes: {namespace: shop, service: web}}
                    strategy: {blueGreen: {autoPromote: false, scaleDownDelay: 1m}}
                """, "t.yaml", Path.of("/")).app("web").orElseThrow().strategy();
        assertThat(b.previewListen()).isNull();
        assertThat(b.autoPromote()).isFalse();
        assertThat(b.scaleDownDelay()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void progressiveStrategiesOnKubernetesNeedTheirTrafficObjects() {
        assertThatThrownBy(() -> kubernetes("{namespace: shop}", "canary: {steps: [{setWeight: 20}]}"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.traffic: missing; a canary on Kubernetes needs");
        assertThatThrownBy(() -> kubernetes("{namespace: shop}", "blueGreen: {autoPromote: false}"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.service: missing; blue/green on Kubernetes");
        assertThat(kubernetes("{namespace: shop, service: web, helm: {release: web, chart: .}}",
                "blueGreen: {autoPromote: false}")).isInstanceOf(Strategy.BlueGreen.class);
        assertThat(kubernetes("{namespace: shop, service: web, traffic: {ingressNginx: {ingress: web}}}",
                "canary: {steps: [{setWeight: 20}]}")).isInstanceOf(Strategy.Canary.class);
    }

    @Test
    void helmReleasesTakeACanaryWithTheirServiceAndTrafficRouter() {
        assertThat(kubernetes("{namespace: shop, service: web, traffic: {ingressNginx: {ingress: web}},"
                + " helm: {chart: ., deployment: web-api}}", "canary: {steps: [{setWeight: 20}]}"))
                .isInstanceOf(Strategy.Canary.class);
        assertThatThrownBy(() -> kubernetes("{namespace: shop, service: web, helm: {chart: .}}",
                "canary: {steps: [{setWeight: 20}]}")).isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.traffic: missing; a canary on Kubernetes needs");
        assertThatThrownBy(() -> kubernetes("{namespace: shop, traffic: {gatewayApi: {httpRoute: web}},"
                + " helm: {chart: .}}", "canary: {steps: [{setWeight: 20}]}")).isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.service: missing; a canary of a Helm release"
                        + " needs the release's Service");
        assertThatThrownBy(() -> kubernetes("{namespace: shop, helm: {chart: .}}", "blueGreen: {autoPromote: false}"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("apps.web.platform.kubernetes.service: missing; blue/green on Kubernetes");
        assertThatThrownBy(() -> kubernetes("{namespace: shop, service: web, traffic: {ingressNginx: {ingress: web}},"
                + " helm: {chart: ., deployment: Web_Api}}", "canary: {steps: [{setWeight: 20}]}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("apps.web.platform.kubernetes.helm.deployment");
    }

    private static Strategy kubernetes(String platform, String strategy) {
        return new SpecParser().parse("apps:\n  web:\n    platform: {kubernetes: " + platform + "}\n"
                + "    strategy: {" + strategy + "}\n", "t.yaml", Path.of("/")).app("web").orElseThrow().strategy();
    }

    @Test
    void invalidStrategiesAreReportedWithPaths() {
        assertThatThrownBy(() -> parse("""
                canary:
                  steps:
                    - setWeight: 150
                    - {setWeight: 5, pause: {}}
                    - analysis: {judge: magic, alpha: 2}
                    - webhook: {url: "ftp://x", type: smoke, onFailure: ignore}
                """)).isInstanceOf(SpecException.class).hasMessageContainingAll(
                "strategy.canary.steps[0].setWeight: expected a percentage from 0 to 100",
                "steps[1]: expected exactly one of setWeight, pause, analysis, webhook",
                "steps[2].analysis.judge: expected sequential, threshold or mannWhitney",
                "steps[2].analysis.alpha",
                "steps[3].webhook.type", "steps[3].webhook.url", "steps[3].webhook.onFailure");
        assertThatThrownBy(() -> parse("blueGreen: {previewListen: \"127.0.0.1:8080\"}"))
                .hasMessageContaining("previewListen: must differ");
        assertThatThrownBy(() -> parse("canary: {steps: [{setWeight: 5}], stepWeight: 10}"))
                .hasMessageContaining("not both");
    }

    @Test
    void metricSourcesArePrometheusOrWebWithEveryQueryNamed() {
        var c = (Strategy.Canary) parse("""
                canary:
                  steps: [{setWeight: 5}, {analysis: {}}]
                  analysis:
                    source:
                      prometheus:
                        url: http://127.0.0.1:9090
                        stableRequests: 'sum(increase(nginx_ingress_controller_requests{canary=""}[{{window}}]))'
                        stableErrors: 'sum(increase(nginx_ingress_controller_requests{canary="",status=~"5.."}[{{window}}]))'
                        canaryRequests: 'sum(increase(nginx_ingress_controller_requests{canary!=""}[{{window}}]))'
                        canaryErrors: 'sum(increase(nginx_ingress_controller_requests{canary!="",status=~"5.."}[{{window}}]))'
                        timeout: 3s
                """);
        assertThat(c.analysis().source().kind()).isEqualTo("prometheus");
        assertThat(c.analysis().source().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(((Step.Analysis) c.steps().get(1)).analysis().source()).as("inherited by the step")
                .isEqualTo(c.analysis().source());
        assertThatThrownBy(() -> parse("""
                canary:
                  steps: [{setWeight: 5}]
                  analysis:
                    source:
                      web: {url: "ftp://x", stableRequests: $.s.r}
                """)).hasMessageContainingAll("source.web.url: expected an http", "source.web.stableErrors: missing",
                "source.web.canaryErrors: missing");
        assertThatThrownBy(() -> parse("""
                canary:
                  steps: [{setWeight: 5}]
                  analysis: {source: {}}
                """)).hasMessageContaining("source: expected exactly one of prometheus or web");
    }
}
