package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.local.process.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped by a real Prometheus (Debian's {@code /usr/bin/prometheus}) with a viewer token in its
 * scrape config, and read back through Prometheus' own HTTP query API: the requests the router carried, its latency
 * histogram's count, the control plane's health.
 */
class MetricsPrometheusIT {
    private static final int REQUESTS = 37;
    @TempDir
    Path dir;
    Harness h;
    Process prometheus;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor();
        }
        if (h != null) {
            h.close();
        }
    }

    @Test
    void prometheusScrapesTheControlPlaneWithAViewerTokenAndSeesWhatTheRouterCarried() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(h.get()).contains("v1");
        }
        String api = ApiClient.forStateDir(h.stateDir, null, "t").baseUrl();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(api + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token").isEqualTo(401);

        String prom = startPrometheus(api);
        awaitValue(prom, "up{job=\"deployguard\"}", 1);
        awaitValue(prom, "sum(deployguard_router_requests_total{app=\"demo\",track=\"stable\",revision=\"1\"})",
                REQUESTS);
        assertThat(value(prom, "sum(deployguard_router_request_duration_seconds_count{app=\"demo\"})"))
                .isEqualTo(REQUESTS);
        assertThat(value(prom, "sum(deployguard_router_errors_total{app=\"demo\"})")).isZero();
        assertThat(value(prom, "deployguard_control_plane_healthy")).isEqualTo(1);
        assertThat(value(prom, "deployguard_router_up{app=\"demo\"}")).isEqualTo(1);
        // Scrapes are API calls too: counted per endpoint, and the token's last use is recorded.
        assertThat(value(prom, "sum(deployguard_api_requests_total{endpoint=\"PROMETHEUS_METRICS\",status=\"200\"})"))
                .isPositive();
        JsonNode tokens = h.ok("token", "list", "-o", "json").json().path("tokens");
        assertThat(tokens.findValues("name").toString()).contains("prometheus");

        // Every query of the Grafana dashboard is valid PromQL for this Prometheus, over the series it now has.
        JsonNode dashboard = Json.mapper().readTree(Path.of("..", "deploy", "grafana", "deployguard.json").toFile());
        List<String> exprs = dashboard.findValuesAsText("expr");
        assertThat(exprs).hasSizeGreaterThan(15);
        for (String expr : exprs) {
            JsonNode answer = query(prom, expr.replace("$app", ".*"));
            assertThat(answer.path("status").asText()).as(expr + " -> " + answer).isEqualTo("success");
        }
    }

    private JsonNode query(String prom, String q) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/query?query="
                + java.net.URLEncoder.encode(q, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(r.body());
    }

    /** A viewer token for Prometheus in a mode-600 file, and Prometheus scraping the control plane every second. */
    private String startPrometheus(String api) throws Exception {
        Path tokenFile = dir.resolve("prometheus.token");
        Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokenFile, h.ok("token", "create", "--role", "viewer", "--name", "prometheus").out().strip());
        URI target = URI.create(api);
        Path config = dir.resolve("prometheus.yml");
        // The same shape docs/metrics.md shows.
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: deployguard
                    metrics_path: /metrics
                    authorization:
                      type: Bearer
                      credentials_file: %s
                    static_configs:
                      - targets: ["%s:%d"]
                """.formatted(tokenFile, target.getHost(), target.getPort()));
        int port = Ports.freeLoopbackPort();
        prometheus = new ProcessBuilder(List.of("/usr/bin/prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        return "http://127.0.0.1:" + port;

    }

    /**
     * A bad canary under steady traffic: the verdicts, the automatic rollback with its detection time and the
     * rollout's end state reach Prometheus through the same wiring the control plane uses (RolloutRunner's analysis
     * looks, the event log, the store).
     */
    @Test
    @SuppressWarnings("try") // a resource held open for the block's duration, not referenced in it
    void aBadCanarysEvidenceAndItsRollbackAreSeries() throws Exception {
        h = new Harness(dir, "v2:errorRate=0.2", 1);
        h.writeSpec("v2:errorRate=0.2", 1, Harness.java(), "127.0.0.1:" + h.listen, CanaryIT.CANARY);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        String prom = startPrometheus(ApiClient.forStateDir(h.stateDir, null, "t").baseUrl());
        try (var traffic = new dev.deployguard.local.load.SteadyTraffic(h.app(), 4, 400).start()) {
            h.ok("deploy", "demo", "--version", "v2");
            awaitValue(prom, "sum(deployguard_rollbacks_total{app=\"demo\",trigger=\"automatic\"})", 1);
        }
        awaitValue(prom, "deployguard_rollout_phase{app=\"demo\",phase=\"ROLLED_BACK\"}", 1);
        assertThat(value(prom, "deployguard_rollout_weight_percent{app=\"demo\"}")).isZero();
        assertThat(value(prom, "deployguard_rollout_canary_revision{app=\"demo\"}")).isEqualTo(2);
        assertThat(value(prom, "sum(deployguard_rollback_detection_seconds_count{app=\"demo\"})")).isEqualTo(1);
        assertThat(value(prom, "sum(deployguard_rollback_detection_seconds_sum{app=\"demo\"})")).isPositive();
        // The last look failed the canary on its errors: e-value at or past 1/alpha, verdict -1, counts behind it.
        String errors = "{app=\"demo\",judge=\"sequential\",metric=\"errors\"}";
        assertThat(value(prom, "deployguard_analysis_verdict" + errors)).isEqualTo(-1);
        assertThat(value(prom, "deployguard_analysis_evalue" + errors))
                .isGreaterThanOrEqualTo(value(prom, "deployguard_analysis_evalue_threshold" + errors));
        // The canary/stable error-rate ratio: +Inf here, as stable answered no error at all.
        assertThat(value(prom, "deployguard_analysis_value" + errors))
                .isGreaterThan(value(prom, "deployguard_analysis_bound" + errors));
        assertThat(value(prom, "sum(deployguard_analysis_samples" + errors.replace("}", ",track=\"canary\"}")
                + ")")).isPositive();
        assertThat(value(prom, "sum(deployguard_analysis_looks_total{app=\"demo\",verdict=\"FAIL\"})"))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(prom, "sum(deployguard_router_errors_total{app=\"demo\",track=\"canary\"})")).isPositive();
        assertThat(value(prom, "sum(deployguard_router_errors_total{app=\"demo\",track=\"stable\"})")).isZero();
    }

    /** A sample value as Prometheus writes it ({@code +Inf}, {@code -Inf}, {@code NaN} or a number). */
    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private void awaitValue(String prom, String query, double expected) throws Exception {
        double[] last = {Double.NaN};
        try {
            Harness.await(Duration.ofSeconds(90), () -> {
                last[0] = value(prom, query);
                return last[0] == expected;
            });
        } catch (AssertionError e) {
            throw new AssertionError(query + " = " + last[0] + ", expected " + expected + "; prometheus log:\n"
                    + Harness.read(dir.resolve("prometheus.log")), e);
        }
    }

    /** The query's single value through Prometheus' HTTP API, NaN while it has none (or is not up yet). */
    private double value(String prom, String query) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/query?query="
                    + java.net.URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode result = Json.mapper().readTree(r.body()).path("data").path("result");
            return result.size() == 1 ? number(result.get(0).path("value").get(1).asText()) : Double.NaN;
        } catch (java.io.IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }
}
