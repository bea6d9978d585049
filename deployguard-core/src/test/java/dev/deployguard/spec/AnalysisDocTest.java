package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every YAML block of docs/analysis.md is a spec that parses, with the metrics it shows; and docs/spec.md's canary
 * example (which CanaryTenOfTenIT runs) is a spec with what the docs say of it.
 */
class AnalysisDocTest {
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyYamlBlockParsesAndDeclaresMetrics() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "analysis.md"));
        Matcher m = YAML_BLOCK.matcher(doc);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(3);
        for (String yaml : blocks) {
            Spec spec = new SpecParser().parse(yaml, "docs/analysis.md", Path.of("/"));
            int metrics = 0;
            for (var app : spec.apps().values()) {
                if (app.strategy() instanceof Strategy.Canary c) {
                    metrics += c.analysis() == null ? 0 : c.analysis().metrics().size();
                    for (Step s : c.steps()) {
                        if (s instanceof Step.Analysis a) {
                            metrics += a.analysis().metrics().size();
                        }
                    }
                }
            }
            assertThat(metrics).as(yaml).isPositive();
        }
    }

    @Test
    void specMdsCanaryExampleParsesWithTheDefaultJudgeAndOneSettingChanged() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "spec.md"));
        Matcher m = YAML_BLOCK.matcher(doc.substring(doc.indexOf("**The canary example**")));
        assertThat(m.find()).isTrue();
        Spec spec = new SpecParser().parse(m.group(1), "docs/spec.md", Path.of("/"));
        Strategy.Canary c = (Strategy.Canary) spec.apps().get("web").strategy();
        assertThat(c.steps()).hasSize(4);
        var analysis = c.analysis();
        var defaults = new SpecParser().parse("""
                apps:
                  web:
                    platform: {local: {command: [./web, "${port}"], listen: "127.0.0.1:8080"}}
                    strategy: {canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
                """, "defaults", Path.of("/")).apps().get("web").strategy();
        var d = ((Strategy.Canary) defaults).analysis();
        assertThat(analysis.negligibleErrorRate()).isEqualTo(0.01).isNotEqualTo(d.negligibleErrorRate());
        assertThat(analysis.judge()).isEqualTo(d.judge());
        assertThat(analysis.alpha()).isEqualTo(d.alpha());
        assertThat(analysis.tolerance()).isEqualTo(d.tolerance());
        assertThat(analysis.interval()).isEqualTo(d.interval());
        assertThat(analysis.latency()).isEqualTo(d.latency());
        assertThat(analysis.latencyComparison()).isEqualTo(d.latencyComparison());
        assertThat(analysis.latencyWarmup()).isEqualTo(d.latencyWarmup());
    }
}
