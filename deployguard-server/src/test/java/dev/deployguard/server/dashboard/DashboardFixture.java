package dev.deployguard.server.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.local.process.Ports;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import dev.deployguard.server.deploy.Deployer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * A real control plane on a temp state directory, its HTTP server on 127.0.0.1 (port 0), the demo app as real
 * processes behind a real router, and steady traffic through it: {@code v1} serving, then {@code v2} as a canary
 * at 30% that waits for an operator ({@code pause: {}}) while its analysis looks every second. Both versions fail 2%
 * of requests (so the error charts have something to show); the canary is no worse than stable, and with alpha
 * 0.001 the judge's chance of a (false) rollback during the test is below 0.1%. Two custom metrics of the router's
 * built-in measures are measured every second: the canary's median latency relative to stable's (it fails only at
 * 100 times stable's), and a dry run of the canary's request rate whose condition cannot hold (Failed at its fifth
 * measurement, deciding nothing), so the page shows a relative metric, a dry run and a failed phase.
 */
final class DashboardFixture implements AutoCloseable {
    static final String CANARY = """
            strategy:
              canary:
                steps:
                  - setWeight: 30
                  - pause: {}
                analysis:
                  interval: 1s
                  minDuration: 2s
                  maxDuration: 600s
                  latency: true
                  latencyWarmup: 0s
                  alpha: 0.001
                  metrics:
                    - name: p50-latency
                      relative: true
                      direction: increase
                      interval: 1s
                      provider: {router: {measure: latencyP50}}
                      failureCondition: result > 100
                    - name: request-rate
                      dryRun: true
                      interval: 1s
                      provider: {router: {measure: requestRate}}
                      successCondition: result > 1000000
                      failureLimit: 4
            """;

    final Path dir;
    final int listen = Ports.freeLoopbackPort();
    final ControlPlane cp;
    final ApiServer api;
    private SteadyTraffic traffic;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    DashboardFixture(Path dir, boolean demo) throws IOException {
        this.dir = dir;
        Path spec = dir.resolve("deployguard.yaml");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(spec, """
                apps:
                  demo:
                    platform:
                      local:
                        command: ["%s", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                  "-cp", "%s", "dev.deployguard.demo.DemoApp", "--port", "${port}",
                                  "--version", "${version}"]
                        env: {DEMO_BEHAVIOUR: "v1:errorRate=0.02;v2:errorRate=0.02"}
                        instances: 1
                        listen: "127.0.0.1:%d"
                        readiness: {path: /ready, timeout: 30s, interval: 100ms}
                        stop: {gracePeriod: 2s}
                """.formatted(java, System.getProperty("java.class.path"), listen) + CANARY.indent(4));
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        cp.start();
        api = new ApiServer(cp, "127.0.0.1", 0, demo);
        api.start();
    }

    /** Deploys {@code version} as the app's first release (no rollout). */
    void deployFirst(String version, String changeCause) {
        cp.deployer().deploy(new Deployer.DeployRequest("demo", version, changeCause, false, Duration.ofSeconds(60),
                "admin", true));
        traffic = new SteadyTraffic(URI.create("http://127.0.0.1:" + listen + "/"), 2, 60).start();
    }

    /** Starts the canary of {@code version}; returns once its first step (30%) is applied. */
    void startCanary(String version) {
        cp.deployer().deploy(new Deployer.DeployRequest("demo", version, "canary " + version, false,
                Duration.ofSeconds(60), "admin", true));
    }

    /** A new API token of {@code role}, created through the API by the admin token, as {@code token create} does. */
    String token(String name, String role) throws Exception {
        JsonNode created = call("POST", "/api/tokens", cp.apiToken(), "{\"name\":\"" + name + "\",\"role\":\""
                + role + "\"}");
        return created.path("token").asText();
    }

    JsonNode call(String method, String path, String token, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return Json.mapper().readTree(r.body());
    }

    /** Polls {@code condition} every 100 ms until it holds, failing after {@code limit}. */
    static void await(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        Instant end = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        if (traffic != null) {
            traffic.close();
        }
        api.close();
        try {
            cp.stopEverything();
        } finally {
            cp.close();
        }
    }
}
