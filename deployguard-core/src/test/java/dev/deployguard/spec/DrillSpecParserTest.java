package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrillSpecParserTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private final List<String> problems = new ArrayList<>();

    private DrillSpec parse(String yaml) {
        try {
            return DrillSpecParser.parse(YAML.readTree(yaml), "apps.web.drill", Path.of("/srv"), problems);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsEveryField() {
        DrillSpec d = parse("""
                versions: [v1, v2]
                probes: [{path: /}, {path: /health, expectStatus: 204}]
                timeout: 45s
                """);
        assertThat(problems).isEmpty();
        assertThat(d).isEqualTo(new DrillSpec(List.of("v1", "v2"), List.of(new DrillSpec.Probe("/", 200),
                new DrillSpec.Probe("/health", 204)), Duration.ofSeconds(45)));
    }

    @Test
    void anEmptySectionMeansTheDefaults() {
        assertThat(parse("{}")).isEqualTo(DrillSpec.DEFAULT);
        assertThat(problems).isEmpty();
    }

    @Test
    void mistakesAreNamedWithTheirPath() {
        assertThat(parse("""
                versions: [v1, v1]
                probes: [{path: health}, {path: /x, expectStatus: 700}]
                timeout: soon
                """)).isNull();
        assertThat(problems).containsExactly(
                "apps.web.drill.versions: expected two different versions [baseline, candidate], e.g. [v1, v2];"
                        + " got [v1, v1]",
                "apps.web.drill.probes[0].path: expected a request path starting with '/', e.g. /health",
                "apps.web.drill.probes[1].expectStatus: expected an HTTP status between 100 and 599, got 700",
                "apps.web.drill.timeout: expected a duration such as 500ms, 30s, 2m or 1h, got 'soon'");
    }

    @Test
    void unknownFieldsAreRefused() {
        assertThat(parse("{versions: [a, b], soak: 5s}")).isNull();
        assertThat(problems).singleElement().asString().isEqualTo("apps.web.drill.soak: unknown field 'soak'; expected one of: probes, timeout, versions");
    }
}
