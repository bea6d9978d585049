package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.ExitCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecParserTest {
    private final SpecParser parser = new SpecParser();

    private static final String VALID = """
            apps:
              web:
                platform:
                  local:
                    command: ["./server", "--port", "${port}", "--tag", "${version}"]
                    env: {MODE: "prod", LISTEN: "127.0.0.1:${port}"}
                    instances: 3
                    workingDir: app
                    listen: 127.0.0.1:8080
                    readiness: {path: /healthz, timeout: 1m30s, interval: 500ms}
                    stop: {signal: SIGINT, gracePeriod: 20s}
                    keepPreviousWarm: false
            """;

    private Spec parse(String yaml) {
        return parser.parse(yaml, "test.yaml", Path.of("/srv"));
    }

    private List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (SpecException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
            return e.problems();
        }
        throw new AssertionError("expected the spec to be rejected");
    }

    @Test
    void readsEveryFieldOfAValidSpec() {
        LocalPlatformSpec web = parse(VALID).app("web").orElseThrow().local();
        assertThat(web.command()).containsExactly("./server", "--port", "${port}", "--tag", "${version}");
        assertThat(web.env()).containsEntry("MODE", "prod");
        assertThat(web.instances()).isEqualTo(3);
        assertThat(web.workingDir()).isEqualTo(Path.of("/srv/app"));
        assertThat(web.listen().toString()).isEqualTo("127.0.0.1:8080");
        assertThat(web.readiness()).isEqualTo(new LocalPlatformSpec.Readiness("/healthz", Duration.ofSeconds(90),
                Duration.ofMillis(500)));
        assertThat(web.stop()).isEqualTo(new LocalPlatformSpec.Stop(StopSignal.INT, Duration.ofSeconds(20)));
        assertThat(web.keepPreviousWarm()).isFalse();
    }

    @Test
    void appliesDefaults() {
        LocalPlatformSpec a = parse("""
                apps:
                  a:
                    platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:9000"}}
                """).apps().get("a").local();
        assertThat(a.instances()).isEqualTo(1);
        assertThat(a.readiness()).isEqualTo(new LocalPlatformSpec.Readiness("/", Duration.ofSeconds(30),
                Duration.ofMillis(250)));
        assertThat(a.stop()).isEqualTo(new LocalPlatformSpec.Stop(StopSignal.TERM, Duration.ofSeconds(10)));
        assertThat(a.keepPreviousWarm()).isTrue();
    }

    @Test
    void unknownFieldIsNamedWithItsPathAndTheKnownFields() {
        assertThat(problems(VALID.replace("instances: 3", "instanses: 3")))
                .singleElement().asString()
                .contains("apps.web.platform.local", "unknown field 'instanses'", "instances", "command");
    }

    @Test
    void everyProblemIsReportedAtOnceEachWithItsPath() {
        String spec = VALID.replace("instances: 3", "instanses: 3\n        stopp: {}")
                + "  other:\n    platform: {local: {command: [srv], listen: \"127.0.0.1:9100\", colour: red}}\n"
                + "  Bad_Name:\n    platform: {local: {command: [srv], listen: \"127.0.0.1:9101\"}}\n";
        List<String> problems = problems(spec);
        assertThat(problems).as(String.join("\n", problems)).hasSizeGreaterThanOrEqualTo(4);
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("apps.web.platform.local.instanses: unknown field"))
                .anySatisfy(p -> assertThat(p).startsWith("apps.web.platform.local.stopp: unknown field"))
                .anySatisfy(p -> assertThat(p).startsWith("apps.other.platform.local.colour: unknown field")
                        .contains("expected one of:", "listen"))
                .anySatisfy(p -> assertThat(p).startsWith("apps.Bad_Name: app name must be"));
    }

    @Test
    void malformedYamlSaysWhatIsWrongNotOnlyWhereTheParserWas() {
        String problem = problems("apps:\n  web:\n    platform: {}\n   - x\n").get(0);
        assertThat(problem).startsWith("malformed YAML: ").contains("expected").contains("line");
    }

    @Test
    void malformedYamlGivesTheLine() {
        assertThat(problems("apps:\n  web: \"unterminated\n")).singleElement().asString()
                .startsWith("malformed YAML").contains("line");
        assertThat(problems("apps:\n  web: [a, b]\n")).singleElement().asString()
                .isEqualTo("apps.web: expected a mapping of fields (key: value) (line 2, column 8)");
    }

    @Test
    void wrongTypeNamesTheField() {
        assertThat(problems(VALID.replace("instances: 3", "instances: many"))).singleElement().asString()
                .startsWith("apps.web.platform.local.instances: expected a whole number");
    }

    @Test
    void missingCommandAndListenAreBothReported() {
        assertThat(problems("""
                apps:
                  web:
                    platform: {local: {instances: 2}}
                """)).anySatisfy(p -> assertThat(p).startsWith("apps.web.platform.local.command: missing"))
                .anySatisfy(p -> assertThat(p).startsWith("apps.web.platform.local.listen: missing"));
    }

    @Test
    void everyInvalidValueIsReportedAtOnce() {
        List<String> p = problems("""
                apps:
                  Bad_Name:
                    platform:
                      local:
                        command: ["srv", "${prot}"]
                        env: {"1X": "y"}
                        instances: 0
                        listen: "localhost:99999"
                        readiness: {path: healthz, timeout: soon, interval: 0s}
                        stop: {signal: STOP, gracePeriod: 1 minute}
                """);
        assertThat(String.join("\n", p)).contains(
                "apps.Bad_Name: app name must be lowercase",
                "command[1]: unknown placeholder ${prot}",
                "no ${port} placeholder",
                "env.1X: not a valid environment variable name",
                "instances: expected 1 to 64, got 0",
                "listen: port must be 1 to 65535",
                "readiness.path: expected an HTTP path starting with '/'",
                "readiness.timeout: expected a duration such as 500ms",
                "stop.signal: expected one of TERM",
                "stop.gracePeriod: expected a duration");
    }

    @Test
    void twoAppsCannotShareAListenAddress() {
        assertThat(problems("""
                apps:
                  a: {platform: {local: {command: [s, "${port}"], listen: "127.0.0.1:80"}}}
                  b: {platform: {local: {command: [s, "${port}"], listen: "127.0.0.1:80"}}}
                """)).singleElement().asString().contains("apps.b.platform.local.listen", "of app 'a'");
    }

    @Test
    void emptyDocumentAndNoAppsAreRejected() {
        assertThat(problems("")).singleElement().asString().contains("empty");
        assertThat(problems("apps: {}")).singleElement().asString().contains("at least one app");
    }

    @Test
    void missingFileSaysSo() {
        assertThatThrownBy(() -> parser.parse(Path.of("/nonexistent/deployguard.yaml")))
                .isInstanceOf(SpecException.class).hasMessageContaining("file not found");
    }
}
