package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.analysis.LatencyComparison;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.LoadSpec;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The analysis' {@code latency:} options (tolerance, indifference, warm-up) and its built-in {@code load:}. */
class LatencyAndLoadSpecTest {
    private static final String APP = """
            apps:
              web:
                platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                strategy:
            """;

    private Strategy.Canary parse(String strategy) {
        return (Strategy.Canary) new SpecParser().parse(APP + strategy.indent(6), "t.yaml", Path.of("/")).app("web")
                .orElseThrow().strategy();
    }

    @Test
    void latencyTakesARelativeToleranceAnAbsoluteIndifferenceAndAWarmup() {
        Strategy.Canary c = parse("""
                canary:
                  steps:
                    - setWeight: 5
                    - analysis: {}
                  analysis:
                    latency: {tolerance: 20%, indifference: 5ms, warmup: 90s, warmupRequests: 500}
                """);
        AnalysisSpec a = c.analysis();
        assertThat(a.latency()).isTrue();
        assertThat(a.latencyComparison()).isEqualTo(new LatencyComparison(0.2, 5));
        assertThat(a.latencyWarmup()).isEqualTo(Duration.ofSeconds(90));
        assertThat(a.latencyWarmupRequests()).isEqualTo(500);
        assertThat(((Step.Analysis) c.steps().get(1)).analysis().latencyComparison()).as("steps inherit it")
                .isEqualTo(new LatencyComparison(0.2, 5));
    }

    @Test
    void theSequentialJudgesExamplesInTheDocsParse() throws Exception {
        String doc = java.nio.file.Files.readString(Path.of("..", "docs", "analysis.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```yml\\n(.*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(doc);
        int blocks = 0;
        while (m.find()) {
            var app = new SpecParser().parse(m.group(1), "docs/analysis.md", Path.of("/")).apps().values().iterator()
                    .next();
            assertThat(((Strategy.Canary) app.strategy()).analysis().latencyComparison())
                    .isEqualTo(new LatencyComparison(0.2, 5));
            blocks++;
        }
        assertThat(blocks).isPositive();
    }

    @Test
    void defaultsAndTheBooleanForm() {
        AnalysisSpec defaults = parse("canary: {steps: [{setWeight: 5}]}").analysis();
        assertThat(defaults.latency()).isTrue();
        assertThat(defaults.tolerance()).isZero();
        assertThat(defaults.latencyComparison()).isEqualTo(new LatencyComparison(0.1, 5));
        assertThat(defaults.latencyWarmup()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.load()).isNull();
        AnalysisSpec off = parse("canary: {steps: [{setWeight: 5}], analysis: {latency: false}}").analysis();
        assertThat(off.latency()).isFalse();
    }

    @Test
    void loadOnTheAnalysisAndOnAStep() {
        Strategy.Canary c = parse("""
                canary:
                  steps:
                    - setWeight: 5
                    - analysis:
                        load: {rate: 20, path: /healthz, duration: 5m, headers: {Authorization: "Bearer x"}}
                  analysis:
                    load: {rate: 2.5}
                """);
        assertThat(c.analysis().load()).isEqualTo(new LoadSpec(2.5, "/", Duration.ofMinutes(30), Map.of()));
        assertThat(((Step.Analysis) c.steps().get(1)).analysis().load()).isEqualTo(
                new LoadSpec(20, "/healthz", Duration.ofMinutes(5), Map.of("Authorization", "Bearer x")));
    }

    @Test
    void badLatencyAndLoadOptionsAreSpecErrorsWithTheirPaths() {
        assertThatThrownBy(() -> parse("""
                canary:
                  steps: [{setWeight: 5}]
                  analysis:
                    latency: {tolerance: lots, indifference: 5, jitter: 1}
                    load: {rate: 5000, path: healthz, duration: 0s, headers: {Host: x, X-DeployGuard-Synthetic: "0"}}
                """))
                .hasMessageContaining("analysis.latency.tolerance: expected a relative margin such as 20%")
                .hasMessageContaining("analysis.latency.indifference: expected a duration such as 5ms")
                .hasMessageContaining("analysis.latency.jitter: unknown field")
                .hasMessageContaining("analysis.load.rate: expected requests per second, more than 0 and at most 1000")
                .hasMessageContaining("analysis.load.path: expected a request path starting with /")
                .hasMessageContaining("analysis.load.duration: expected a positive duration")
                .hasMessageContaining("analysis.load.headers.Host: not a header a load may set")
                .hasMessageContaining("analysis.load.headers.X-DeployGuard-Synthetic: not a header a load may set");
        assertThatThrownBy(() -> parse("canary: {steps: [{setWeight: 5}], analysis: {latency: maybe}}"))
                .hasMessageContaining("analysis.latency: expected true, false or {tolerance");
    }
}
