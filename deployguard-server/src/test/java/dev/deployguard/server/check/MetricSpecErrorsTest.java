package dev.deployguard.server.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.metrics.MetricProbe;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.SpecParser;
import dev.deployguard.store.JdbcStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's bad input: a metric query that returns a vector where its condition needs a scalar is a spec error with
 * the metric's path, found before anything deploys (the metric is queried once, over real HTTP, from a server that
 * answers in Prometheus' API format); a provider that does not answer is not one (at run time it holds). The other
 * two kinds — a condition that does not parse, an unknown provider or template — are refused by the parser:
 * {@code MetricSpecParserTest}.
 */
class MetricSpecErrorsTest {
    private static final String VECTOR = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            + "{\"metric\":{\"pod\":\"a\"},\"value\":[1,\"0.1\"]},{\"metric\":{\"pod\":\"b\"},\"value\":[1,\"0.2\"]}]}}";
    private static final String SCALAR = "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":"
            + "[1,\"0.1\"]}}";
    @TempDir
    Path dir;
    private JdbcStore store;
    private HttpServer prometheus;
    private String url;

    @BeforeEach
    void open() throws IOException {
        store = JdbcStore.embedded(dir.resolve("state"));
        prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/", exchange -> {
            String q = URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
            byte[] body = (q.contains("scalar(") ? SCALAR : VECTOR).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        prometheus.start();
        url = "http://127.0.0.1:" + prometheus.getAddress().getPort();
    }

    @AfterEach
    void close() {
        prometheus.stop(0);
        store.close();
    }

    private AppSpec app(String metrics) throws IOException {
        return new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      local: {command: ["sh", "${port}"], listen: "127.0.0.1:1"}
                    strategy:
                      canary:
                        steps:
                          - setWeight: 10
                          - analysis:
                              metrics:
                %s
                """.formatted(metrics.indent(16).stripTrailing()), "deployguard.yaml", dir).app("web").orElseThrow();
    }

    @Test
    void aVectorWhereTheConditionNeedsAScalarIsASpecErrorWithItsPathBeforeAnythingDeploys() throws IOException {
        AppSpec app = app("""
                - name: cpu
                  provider: {prometheus: {address: "%s", query: "rate(cpu_seconds_total[1m])"}}
                  successCondition: result < 0.5
                """.formatted(url));
        DeployChecks checks = new DeployChecks(new ChecklistFactory(dir.resolve("state"),
                Map.of("PATH", "/usr/bin:/bin"), Clock.systemUTC()), new EventLog(store, Clock.systemUTC()));
        // even with --skip-checks: the spec is wrong, not the environment
        assertThatThrownBy(() -> checks.admit(app, "1.0", true, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
                    assertThat(e.getMessage()).contains("deploy of web 1.0 refused", "nothing was started",
                            "apps.web.strategy.canary.steps[1].analysis.metrics[0] (cpu): the query returned a vector"
                                    + " of 2 values where the condition needs a scalar",
                            "sum(...)", "result[0]");
                });
        // nothing recorded: not even the skipped checklist
        assertThat(store.events("web", 0, Instant.EPOCH, 100)).isEmpty();
    }

    @Test
    void whatTheConditionsCanReadAndProvidersThatDoNotAnswerAreNoSpecError() throws IOException {
        MetricProbe probe = MetricProbe.overHttp(Duration.ofSeconds(2));
        assertThat(probe.problems(app("""
                - name: indexed
                  provider: {prometheus: {address: "%1$s", query: "rate(cpu_seconds_total[1m])"}}
                  successCondition: result[0] < 0.5
                - name: scalar
                  provider: {prometheus: {address: "%1$s", query: "scalar(sum(rate(cpu_seconds_total[1m])))"}}
                  successCondition: result < 0.5
                - name: down
                  provider: {prometheus: {address: "http://127.0.0.1:1", query: "rate(x[1m])"}}
                  successCondition: result < 0.5
                """.formatted(url)), Instant.now())).isEmpty();
    }

    @Test
    void aRelativeMetricWhoseQueryReturnsSeveralSeriesPerTrackIsASpecError() throws IOException {
        MetricProbe probe = MetricProbe.overHttp(Duration.ofSeconds(2));
        assertThat(probe.problems(app("""
                - name: cpu
                  relative: true
                  provider: {prometheus: {address: "%s", query: "rate(cpu_seconds_total{track=\\"{{track}}\\"}[1m])"}}
                  failureCondition: result > 2
                """.formatted(url)), Instant.now())).containsExactly(
                "apps.web.strategy.canary.steps[1].analysis.metrics[0] (cpu): a relative metric needs one number per"
                        + " track, and the query returned a vector of 2 values for the canary; aggregate it in the"
                        + " query (sum(...))");
    }
}
