package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.rollout.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code progressDeadlineSeconds} on a canary (Flagger's shorthand or steps) and a blue/green: Flagger's Canary field
 * of that name (fluxcd/flagger docs/gitbook/usage/how-it-works.md, an int32 of seconds, default 600).
 */
class ProgressDeadlineParserTest {
    private static final String APP = """
            apps:
              web:
                platform: {kubernetes: {namespace: shop, service: web, traffic: {ingressNginx: {ingress: web}}}}
                strategy:
            """;

    private Strategy parse(String strategy) {
        return new SpecParser().parse(APP + strategy.indent(6), "t.yaml", Path.of("/")).app("web").orElseThrow()
                .strategy();
    }

    @Test
    void flaggerShorthandReadsItAsSeconds() {
        Strategy s = parse("""
                canary:
                  interval: 1m
                  stepWeight: 25
                  maxWeight: 50
                  progressDeadlineSeconds: 90
                """);
        assertThat(s.progressDeadline()).contains(Duration.ofSeconds(90));
        assertThat(s.steps()).as("the deadline adds no step").hasSize(4);
    }

    @Test
    void stepsAndBlueGreenReadItToo() {
        assertThat(parse("canary: {steps: [{setWeight: 20}], progressDeadlineSeconds: 600}").progressDeadline())
                .contains(Duration.ofMinutes(10));
        assertThat(parse("blueGreen: {progressDeadlineSeconds: 1}")
                .progressDeadline()).contains(Duration.ofSeconds(1));
    }

    @Test
    void withoutItTheStrategyHasNoDeadlineOfItsOwn() {
        assertThat(parse("canary: {interval: 1m}").progressDeadline()).isEqualTo(Optional.empty());
        assertThat(parse("blueGreen: {autoPromote: false}").progressDeadline()).isEmpty();
    }

    @Test
    void aLocalAppIsToldToUseItsReadinessTimeout() {
        String local = """
                apps:
                  web:
                    platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                    strategy: {canary: {interval: 1m, progressDeadlineSeconds: 90}}
                """;
        assertThatThrownBy(() -> new SpecParser().parse(local, "t.yaml", Path.of("/")))
                .isInstanceOf(SpecException.class).hasMessageContaining("apps.web.strategy.canary"
                        + ".progressDeadlineSeconds: applies to Kubernetes apps only; a local instance must be ready"
                        + " within platform.local.readiness.timeout");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "0      | got 0",
        "-30    | got -30",
        "1.5    | got 1.5",
        "'10m'  | got '10m'",
        "'\"600\"' | got '600'",
        "[600]  | got [600]",
        "4294967296 | at most 2147483647",
    })
    void badValuesAreSpecErrorsWithTheirPath(String value, String got) {
        for (String strategy : new String[] {"canary: {interval: 1m, progressDeadlineSeconds: %s}",
                "blueGreen: {progressDeadlineSeconds: %s}"}) {
            String kind = strategy.startsWith("canary") ? "canary" : "blueGreen";
            assertThatThrownBy(() -> parse(strategy.formatted(value))).isInstanceOf(SpecException.class)
                    .hasMessageContainingAll("strategy." + kind + ".progressDeadlineSeconds: expected a whole number"
                            + " of seconds above 0", got);
        }
    }
}
