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

/** Every YAML block of docs/analysis.md is a spec that parses, with the metrics it shows. */
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
}
