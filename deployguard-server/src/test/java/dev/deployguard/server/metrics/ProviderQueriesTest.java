package dev.deployguard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.metric.Condition;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Custom metric queries over real HTTP on 127.0.0.1 against a server that answers in Prometheus' API format. */
class ProviderQueriesTest {
    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private HttpServer server;
    private String base;
    private final ProviderQueries queries = new ProviderQueries(Duration.ofSeconds(2),
            (m, track, at) -> new MetricQuery.Answer.Unavailable("no router in this test"));

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String q = exchange.getRequestURI().getRawQuery();
            String key = q == null ? exchange.getRequestURI().getPath()
                    : URLDecoder.decode(q.replaceAll("&time=.*", "").replace("query=", ""), StandardCharsets.UTF_8);
            String body = answers.getOrDefault(key, "{\"status\":\"error\",\"error\":\"unknown query " + key + "\"}");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static String vector(double... values) {
        StringBuilder s = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ",").append("{\"metric\":{},\"value\":[1.0,\"").append(values[i]).append("\"]}");
        }
        return s.append("]}}").toString();
    }

    private static MetricDefinition metric(Provider p, boolean relative, String failure) {
        return new MetricDefinition("m", p, relative, MetricDirection.INCREASE, 1, false, null,
                Condition.parse(failure, relative), null, null, null, 0, 0, 4, 0, false);
    }

    @Test
    void aPrometheusVectorIsAListAsArgoGivesIt() {
        answers.put("sum(rate(cpu[1m]))", vector(0.42));
        var answer = queries.query(metric(new Provider.Prometheus(base, "sum(rate(cpu[1m]))"), false,
                "result[0] > 0.5"), null, T0);
        assertThat(answer).isEqualTo(new MetricQuery.Answer.Value(List.of(0.42)));
    }

    @Test
    void aRelativePrometheusMetricQueriesEachTrackAndJudgesTheRatio() {
        // The 4x CPU-per-request canary of issue 11 item 3, as a custom metric.
        answers.put("cpu_per_request{track=\"canary\"}", vector(0.008));
        answers.put("cpu_per_request{track=\"stable\"}", vector(0.002));
        var m = metric(new Provider.Prometheus(base, "cpu_per_request{track=\"{{track}}\"}"), true, "result > 2");
        var run = new MetricAnalysis(List.of(m), T0);
        run.tick(T0, queries);
        assertThat(run.phase()).isEqualTo(MetricPhase.FAILED);
        assertThat(run.statuses().get(0).measurements().get(0).value()).isEqualTo(4.0);
    }

    @Test
    void noDataAndRejectedQueriesAndAnUnreachableProviderAreUnavailable() {
        answers.put("empty", vector());
        var empty = queries.query(metric(new Provider.Prometheus(base, "empty"), false, "result[0] > 1"), null, T0);
        assertThat(empty).isEqualTo(new MetricQuery.Answer.Unavailable("no data for empty"));
        var rejected = queries.query(metric(new Provider.Prometheus(base, "nope"), false, "result[0] > 1"), null,
                T0);
        assertThat(((MetricQuery.Answer.Unavailable) rejected).reason()).contains("rejected nope: unknown query nope");
        server.stop(0);
        var down = queries.query(metric(new Provider.Prometheus(base, "x"), false, "result[0] > 1"), null, T0);
        assertThat(((MetricQuery.Answer.Unavailable) down).reason()).startsWith("Prometheus at " + base
                + " unreachable");
    }

    @Test
    void aWebMetricReadsTheValueAtItsPath() {
        answers.put("/stats/canary", "{\"queue\":{\"depth\":12}}");
        var m = metric(new Provider.Web(base + "/stats/{{track}}", "/queue/depth"), false, "result > 10");
        assertThat(queries.query(m, "canary", T0)).isEqualTo(new MetricQuery.Answer.Value(12.0));
        var dollar = metric(new Provider.Web(base + "/stats/canary", "$.queue"), false, "result.depth > 10");
        assertThat(dollar.measure(T0, ((MetricQuery.Answer.Value) queries.query(dollar, null, T0)).result()).phase())
                .isEqualTo(MetricPhase.FAILED);
    }
}
