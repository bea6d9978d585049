package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricSpecParserTest {
    private static final String TEMPLATES = """
            analysisTemplates:
              success-rate:
                args:
                  - name: service
                  - name: floor
                    value: "0.95"
                metrics:
                  - name: success-rate
                    interval: 1m
                    count: 5
                    failureLimit: 1
                    successCondition: "result[0] >= {{args.floor}}"
                    provider:
                      prometheus:
                        address: http://127.0.0.1:9090
                        query: sum(rate(http_requests_total{service="{{args.service}}",code!~"5.."}[1m])) / sum(rate(http_requests_total{service="{{args.service}}"}[1m]))
            """;

    private static Strategy.Canary parse(String templates, String analysis) {
        String yaml = templates + """
                apps:
                  web:
                    platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                    strategy:
                      canary:
                        steps:
                          - setWeight: 10
                          - analysis:
                """ + analysis.indent(16);
        return (Strategy.Canary) new SpecParser().parse(yaml, "t.yaml", Path.of("/")).app("web").orElseThrow()
                .strategy();
    }

    private static List<MetricDefinition> metrics(String templates, String analysis) {
        return ((Step.Analysis) parse(templates, analysis).steps().get(1)).analysis().metrics();
    }

    private static List<String> problems(String templates, String analysis) {
        try {
            parse(templates, analysis);
        } catch (SpecException e) {
            return e.problems();
        }
        throw new AssertionError("expected a spec error");
    }

    @Test
    void inlineMetricWithEveryOption() {
        var m = metrics("", """
                metrics:
                  - name: cpu-per-request
                    relative: true
                    direction: increase
                    weight: 2
                    critical: true
                    provider: {router: {measure: latencyP99}}
                    successCondition: result < 250
                    failureCondition: result > 500
                    count: 10
                    interval: 30s
                    initialDelay: 1m
                    failureLimit: 2
                    consecutiveSuccessLimit: 3
                    consecutiveErrorLimit: 1
                    inconclusiveLimit: 2
                    dryRun: true
                """).get(0);
        assertThat(m.name()).isEqualTo("cpu-per-request");
        assertThat(m.provider()).isEqualTo(new Provider.Router("latencyP99"));
        assertThat(m.relative()).isTrue();
        assertThat(m.direction()).isEqualTo(MetricDirection.INCREASE);
        assertThat(m.weight()).isEqualTo(2.0);
        assertThat(m.critical()).isTrue();
        assertThat(m.count()).isEqualTo(10);
        assertThat(m.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(m.initialDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(m.failureLimit()).isEqualTo(2);
        assertThat(m.consecutiveSuccessLimit()).isEqualTo(3);
        assertThat(m.consecutiveErrorLimit()).isEqualTo(1);
        assertThat(m.inconclusiveLimit()).isEqualTo(2);
        assertThat(m.dryRun()).isTrue();
        assertThat(m.evaluate(600.0)).isEqualTo(MetricPhase.FAILED);
        assertThat(m.evaluate(300.0)).isEqualTo(MetricPhase.INCONCLUSIVE);
        assertThat(m.evaluate(100.0)).isEqualTo(MetricPhase.SUCCESSFUL);
    }

    @Test
    void templateReferencedByNameWithArguments() {
        var m = metrics(TEMPLATES, """
                templates:
                  - templateName: success-rate
                args:
                  - name: service
                    value: checkout
                """).get(0);
        var p = (Provider.Prometheus) m.provider();
        assertThat(p.query()).contains("service=\"checkout\"").doesNotContain("{{");
        assertThat(m.successCondition().text()).isEqualTo("result[0] >= 0.95");
        assertThat(m.evaluate(List.of(0.97))).isEqualTo(MetricPhase.SUCCESSFUL);
        assertThat(m.evaluate(List.of(0.90))).isEqualTo(MetricPhase.FAILED);
    }

    @Test
    void anArgumentOverridesTheTemplatesDefault() {
        var m = metrics(TEMPLATES, """
                templates: [{templateName: success-rate}]
                args: [{name: service, value: web}, {name: floor, value: "0.5"}]
                """).get(0);
        assertThat(m.successCondition().text()).isEqualTo("result[0] >= 0.5");
    }

    @Test
    void unknownTemplateIsASpecErrorWithItsPath() {
        assertThat(problems(TEMPLATES, "templates: [{templateName: sucess-rate}]")).anySatisfy(p -> assertThat(p)
                .startsWith("apps.web.strategy.canary.steps[1].analysis.templates[0].templateName: unknown template"
                        + " 'sucess-rate'; expected one of: success-rate"));
    }

    @Test
    void missingArgumentIsASpecError() {
        assertThat(problems(TEMPLATES, "templates: [{templateName: success-rate}]")).anySatisfy(p -> assertThat(p)
                .startsWith("apps.web.strategy.canary.steps[1].analysis.args: template 'success-rate' needs a value"
                        + " for service"));
    }

    @Test
    void unknownProviderIsASpecErrorWithItsPath() {
        assertThat(problems("", """
                metrics:
                  - name: queue
                    provider: {datadog: {query: avg:queue}}
                """)).contains("apps.web.strategy.canary.steps[1].analysis.metrics[0].provider: unknown provider"
                + " 'datadog'; expected one of: router, prometheus, web");
    }

    @Test
    void conditionThatDoesNotParseIsASpecError() {
        assertThat(problems("", """
                metrics:
                  - name: errors
                    provider: {web: {url: "http://127.0.0.1:1/m", jsonPath: /value}}
                    successCondition: result <
                """)).anySatisfy(p -> assertThat(p)
                .startsWith("apps.web.strategy.canary.steps[1].analysis.metrics[0].successCondition: 'result <'"
                        + " does not parse"));
    }

    @Test
    void aVectorConditionOnAScalarMeasureIsASpecError() {
        assertThat(problems("", """
                metrics:
                  - name: p99
                    provider: {router: {measure: latencyP99}}
                    successCondition: result[0] < 250
                """)).anySatisfy(p -> assertThat(p)
                .startsWith("apps.web.strategy.canary.steps[1].analysis.metrics[0].successCondition:")
                .endsWith("(result is one number here)"));
    }

    @Test
    void aRelativePrometheusMetricMustSelectTheTrack() {
        assertThat(problems("", """
                metrics:
                  - name: cpu
                    relative: true
                    provider: {prometheus: {address: "http://127.0.0.1:9090", query: "sum(rate(cpu[1m]))"}}
                """)).anySatisfy(p -> assertThat(p)
                .startsWith("apps.web.strategy.canary.steps[1].analysis.metrics[0].provider.prometheus.query: a"
                        + " relative metric is measured per track"));
    }

    @Test
    void argoLimitValidation() {
        assertThat(problems("", """
                metrics:
                  - name: a
                    provider: {router: {measure: errorRate}}
                    count: 3
                    failureLimit: -1
                  - name: b
                    provider: {router: {measure: errorRate}}
                    count: 2
                    failureLimit: 2
                    consecutiveSuccessLimit: 1
                    interval: 10s
                  - name: a
                    provider: {router: {measure: errorRate}}
                """)).contains(
                "apps.web.strategy.canary.steps[1].analysis.metrics[0]: failureLimit and consecutiveSuccessLimit"
                        + " cannot both be disabled",
                "apps.web.strategy.canary.steps[1].analysis.metrics[0].interval: must be specified when count > 1",
                "apps.web.strategy.canary.steps[1].analysis.metrics[1].count: 2 must be >= failureLimit +"
                        + " consecutiveSuccessLimit (2 + 1)");
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThat(problems("", """
                metrics:
                  - {name: a, provider: {router: {measure: errorRate}}}
                  - {name: a, provider: {router: {measure: errorRate}}}
                """)).contains("apps.web.strategy.canary.steps[1].analysis: duplicate metric name 'a' (metric names"
                + " are unique per analysis, templates included)");
    }

    @Test
    void aVectorAtTheFirstQueryIsAnErrorMeasurementNeverAFailure() {
        var m = metrics("", """
                metrics:
                  - name: cpu
                    provider: {prometheus: {address: "http://127.0.0.1:9090", query: "rate(cpu[1m])"}}
                    successCondition: result < 0.5
                """).get(0);
        var measured = m.measure(Instant.EPOCH, List.of(0.1, 0.2));
        assertThat(measured.phase()).isEqualTo(MetricPhase.ERROR);
        assertThat(measured.message()).contains("the query returned a vector of 2 values where the condition needs"
                + " a scalar");
    }

    @Test
    void metricsWithFlaggersShorthandAreRefusedNotDropped() {
        String yaml = """
                apps:
                  web:
                    platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                    strategy:
                      canary:
                        stepWeight: 10
                        maxWeight: 50
                        analysis:
                          metrics: [{name: a, provider: {router: {measure: errorRate}}}]
                """;
        assertThatThrownBy(() -> new SpecParser().parse(yaml, "t.yaml", Path.of("/")))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("strategy.canary.analysis.metrics: custom metrics are not supported with"
                        + " Flagger's shorthand");
    }

    @Test
    void resourceMeasuresAreBuiltInAndCompatIsReadPerAnalysis() {
        String cpu = """
                metrics:
                  - name: cpu
                    relative: true
                    provider: {router: {measure: cpuPerRequest}}
                    failureCondition: result > 2
                  - name: memory
                    provider: {router: {measure: memoryPerRequest}}
                    failureCondition: result > 1000000
                """;
        var step = (Step.Analysis) parse("", "compat: strict\n" + cpu).steps().get(1);
        assertThat(step.analysis().strict()).isTrue();
        assertThat(step.analysis().metrics()).extracting(m -> ((Provider.Router) m.provider()).measure())
                .containsExactly("cpuPerRequest", "memoryPerRequest");
        assertThat(((Step.Analysis) parse("", cpu).steps().get(1)).analysis().strict()).isFalse();
        assertThat(problems("", "compat: argo\n" + cpu)).singleElement().asString()
                .startsWith("apps.web.strategy.canary.steps[1].analysis.compat: expected strict");
        assertThat(problems("", cpu.replace("cpuPerRequest", "cpuSeconds"))).singleElement().asString()
                .contains("steps[1].analysis.metrics[0].provider.router.measure: expected one of", "cpuPerRequest",
                        "memoryPerRequest");
    }
}
