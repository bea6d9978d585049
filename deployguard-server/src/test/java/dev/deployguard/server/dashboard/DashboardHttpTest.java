package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.api.ApiServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's security model over real HTTP (no browser): login to a session cookie, the cookie's flags, CSRF
 * and Origin checks on changes made with the cookie, a viewer refused by the API, a revoked token ending its
 * sessions, and loopback demo mode without login.
 */
class DashboardHttpTest {
    private static final Pattern CSRF = Pattern.compile("data-csrf=\"([0-9a-f]{64})\"");

    @TempDir
    Path dir;
    ControlPlane cp;
    ApiServer api;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    void start(boolean demo) throws Exception {
        start(demo, "");
    }

    void start(boolean demo, String strategy) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      local:
                        command: ["/bin/true", "${port}"]
                        listen: 127.0.0.1:%d
                """.formatted(port) + strategy.indent(4));
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        cp.start();
        api = new ApiServer(cp, "127.0.0.1", 0, demo);
        api.start();
    }

    @AfterEach
    void tearDown() {
        if (api != null) {
            api.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(api.url() + path));
    }

    private HttpResponse<String> login(String token) throws Exception {
        return send(req("/ui/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))));
    }

    private static String cookie(HttpResponse<String> login) {
        String set = login.headers().firstValue("Set-Cookie").orElseThrow();
        return set.substring(0, set.indexOf(';'));
    }

    private String token(String name, String role) throws Exception {
        HttpResponse<String> r = send(req("/api/tokens").header("Authorization", "Bearer " + cp.apiToken())
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.mapper().readTree(r.body()).path("token").asText();
    }

    @Test
    void pagesNeedALoginAndTheTokenBecomesAStrictHttpOnlyCookie() throws Exception {
        start(false);
        HttpResponse<String> anonymous = send(req("/ui/").GET());
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertThat(anonymous.headers().firstValue("Location")).hasValue("/ui/login");
        assertThat(send(req("/ui/stream?view=apps").GET()).statusCode()).isEqualTo(401);

        HttpResponse<String> wrong = login("not-the-token");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(wrong.body()).contains("not valid");

        HttpResponse<String> ok = login(cp.apiToken());
        assertThat(ok.statusCode()).isEqualTo(303);
        String set = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(set).startsWith(Sessions.COOKIE + "=").containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("SameSite=Strict").contains("Path=/");
        assertThat(set).doesNotContain(cp.apiToken());

        HttpResponse<String> page = send(req("/ui/").header("Cookie", cookie(ok)).GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>Apps</h1>").contains("data-app=\"web\"");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        // The cookie also authenticates the JSON API's reads (the page's own data).
        assertThat(send(req("/api/apps").header("Cookie", cookie(ok)).GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void changesWithTheCookieNeedTheSessionsCsrfTokenAndTheSameOrigin() throws Exception {
        start(false);
        HttpResponse<String> ok = login(cp.apiToken());
        String cookie = cookie(ok);
        Matcher m = CSRF.matcher(send(req("/ui/").header("Cookie", cookie).GET()).body());
        assertThat(m.find()).isTrue();
        String csrf = m.group(1);

        HttpResponse<String> noToken = send(req("/api/apps/web/pause").header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).contains("CSRF");
        HttpResponse<String> otherSite = send(req("/api/apps/web/pause").header("Cookie", cookie)
                .header(Sessions.CSRF_HEADER, csrf).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(otherSite.statusCode()).isEqualTo(403);
        // With both, the call reaches the API itself, which answers as it answers the CLI (no rollout to pause).
        HttpResponse<String> good = send(req("/api/apps/web/pause").header("Cookie", cookie)
                .header(Sessions.CSRF_HEADER, csrf).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(good.statusCode()).as(good.body()).isEqualTo(400);
        assertThat(good.body()).contains("no rollout in progress");

        JsonNode audit = Json.mapper().readTree(send(req("/api/events?limit=1000").header("Authorization",
                "Bearer " + cp.apiToken()).GET()).body()).path("events");
        assertThat(audit.findValuesAsText("kind")).contains("audit.refused", "audit.failed");
    }

    @Test
    void aViewersSessionCannotActAndARevokedTokenEndsItsSessions() throws Exception {
        start(false);
        String viewer = token("reader", "viewer");
        String cookie = cookie(login(viewer));
        String page = send(req("/ui/apps/web").header("Cookie", cookie).GET()).body();
        assertThat(page).contains("reader").contains("data-can-act=\"false\"").doesNotContain("class=\"action\"");
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).isTrue();
        HttpResponse<String> forged = send(req("/api/apps/web/rollback").header("Cookie", cookie)
                .header(Sessions.CSRF_HEADER, m.group(1)).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("operator");

        HttpResponse<String> revoked = send(req("/api/tokens/reader/revoke").header("Authorization", "Bearer "
                + cp.apiToken()).POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(send(req("/ui/").header("Cookie", cookie).GET()).statusCode()).isEqualTo(303);
        assertThat(send(req("/api/apps").header("Cookie", cookie).GET()).statusCode()).isEqualTo(401);
    }

    @Test
    void logoutEndsTheSession() throws Exception {
        start(false);
        String cookie = cookie(login(cp.apiToken()));
        Matcher m = CSRF.matcher(send(req("/ui/").header("Cookie", cookie).GET()).body());
        assertThat(m.find()).isTrue();
        HttpResponse<String> out = send(req("/ui/logout").header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + m.group(1))));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(send(req("/ui/").header("Cookie", cookie).GET()).statusCode()).isEqualTo(303);
    }

    @Test
    void loopbackDemoModeShowsThePagesWithoutLogin() throws Exception {
        start(true);
        HttpResponse<String> page = send(req("/ui/apps/web").GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>web</h1>").contains("demo");
        assertThat(send(req("/ui/login").GET()).statusCode()).isEqualTo(303);
        assertThat(send(req("/ui/apps/nope").GET()).statusCode()).isEqualTo(404);
        assertThat(send(req("/ui/static/dashboard.js").GET()).body()).contains("EventSource");
    }

    static final String METRICS = """
            strategy:
              canary:
                steps:
                  - setWeight: 30
                  - pause: {}
                analysis:
                  interval: 1s
                  metrics:
                    - name: p50
                      relative: true
                      interval: 1s
                      provider: {router: {measure: latencyP50}}
                      failureCondition: result > 1.2
                    - name: rps
                      dryRun: true
                      interval: 1s
                      provider: {router: {measure: requestRate}}
                      successCondition: result > 100
            """;

    /** An {@code analysis.metric} event as the runner writes it (CustomMetrics.describe and .data, deploy package). */
    private Event measured(long rollout, String metric, String measurement, double value, String tracks, String phase,
                           boolean dryRun, int failed) {
        String text = "metric " + metric + (dryRun ? " (dry run)" : "") + ": " + measurement + " " + value
                + (tracks.isEmpty() ? "" : " (" + tracks + ")") + "; the metric is " + phase;
        Map<String, Object> data = new java.util.LinkedHashMap<>(Map.of("rollout", rollout, "metric", metric,
                "measurement", measurement, "value", value, "phase", phase, "dryRun", dryRun, "failed", failed,
                "successful", 0));
        // A relative measurement's tracks are fields of the event, as CustomMetrics.data writes them.
        Matcher m = Pattern.compile("^canary ([0-9.]+).*, stable ([0-9.]+)").matcher(tracks);
        if (m.find()) {
            data.put("canary", Double.valueOf(m.group(1)));
            data.put("stable", Double.valueOf(m.group(2)));
        }
        return cp.store().append(Event.of(Instant.now(), "web", 2, "system", EventKinds.ANALYSIS_METRIC, text, data));
    }

    private static JsonNode metricSeries(String page) throws Exception {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"metric-series\">(.*?)</script>",
                Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as(page).isTrue();
        return Json.mapper().readTree(m.group(1));
    }

    @Test
    void theRolloutPageCarriesEveryMeasurementOfItsCustomMetricsLiveAndAfterARestart() throws Exception {
        start(false, METRICS);
        Instant began = Instant.now().minusSeconds(60);
        Rollout older = cp.store().saveRollout(Rollout.start(0, "web", RolloutKind.CANARY, 1, 2, began), began);
        measured(older.id(), "p50", "SUCCESSFUL", 1.0, "canary 5 (a), stable 5 (b)", "RUNNING", false, 0);
        Rollout r = cp.store().saveRollout(Rollout.start(0, "web", RolloutKind.CANARY, 1, 2, began), began);
        measured(r.id(), "p50", "SUCCESSFUL", 1.1, "canary 11 (40 requests (2 errors)), stable 10 (41 requests)",
                "RUNNING", false, 0);
        measured(r.id(), "rps", "INCONCLUSIVE", 14.5, "", "INCONCLUSIVE", true, 0);
        Event failing = measured(r.id(), "p50", "FAILED", 3.0, "canary 30 (a), stable 10 (b)", "FAILED", false, 1);
        // The metric gate's verdict rolled it back (as RolloutRunner records it through the engine).
        String verdict = "FAIL: metric p50 (latencyP50) failed: canary / stable ratio 3 (canary 30 (a), stable 10"
                + " (b)), bound: failureCondition 'result > 1.2'; failed (1) > failureLimit (0)";
        Rollout rolledBack = cp.store().saveRollout(r.toBuilder().lastVerdict(verdict).build()
                .done(Rollout.Phase.ROLLED_BACK, "analysis failed: " + verdict.substring(6), Instant.now()),
                Instant.now());
        assertThat(rolledBack.id()).isEqualTo(r.id());

        String cookie = cookie(login(cp.apiToken()));
        String page = send(req("/ui/apps/web/rollout").header("Cookie", cookie).GET()).body();
        JsonNode series = metricSeries(page);
        JsonNode points = series.path("points");
        // The history so far, this rollout's only, oldest first; the cursor is the last event read.
        assertThat(points).hasSize(3);
        assertThat(points.findValuesAsText("metric")).containsExactly("p50", "rps", "p50");
        assertThat(series.path("end").asLong()).isEqualTo(failing.id());
        JsonNode first = points.get(0);
        assertThat(first.path("value").asDouble()).isEqualTo(1.1);
        assertThat(first.path("canary").asDouble()).isEqualTo(11.0);
        assertThat(first.path("stable").asDouble()).isEqualTo(10.0);
        assertThat(first.path("phase").asText()).isEqualTo("RUNNING");
        JsonNode dry = points.get(1);
        assertThat(dry.path("dryRun").asBoolean()).isTrue();
        assertThat(dry.path("canary").isNull()).isTrue();
        assertThat(dry.path("value").asDouble()).isEqualTo(14.5);
        // The table: phase and last measurement per metric, the dry run marked, and why p50 rolled back.
        assertThat(page).contains("id=\"custom-metric-charts\"").contains("data-metric=\"rps\"")
                .contains("class=\"dry-run\"").contains("ratio 3 (canary 30, stable 10)")
                .contains("id=\"metric-why\" data-metric=\"p50\"")
                .contains("Rolled back because metric p50 (latencyP50) failed: canary / stable ratio 3");

        // Live: the page's event stream, from the page's cursor, sends what is measured next and nothing before.
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(req("/ui/stream?view=rollout&app=web"
                + "&rollout=" + r.id() + "&from=0&mfrom=" + failing.id()).header("Cookie", cookie)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        Event next = measured(r.id(), "rps", "SUCCESSFUL", 150.0, "", "RUNNING", true, 0);
        CompletableFuture<String> data = CompletableFuture.supplyAsync(() -> {
            List<String> seen = new ArrayList<>();
            var it = stream.body().iterator();
            while (it.hasNext()) {
                String line = it.next();
                seen.add(line);
                if (seen.size() >= 2 && seen.get(seen.size() - 2).equals("event: measurements")) {
                    return line.substring("data: ".length());
                }
            }
            return null;
        });
        try {
            JsonNode live = Json.mapper().readTree(data.get(20, TimeUnit.SECONDS));
            assertThat(live.path("points")).hasSize(1);
            assertThat(live.path("points").get(0).path("id").asLong()).isEqualTo(next.id());
            assertThat(live.path("points").get(0).path("value").asDouble()).isEqualTo(150.0);
            assertThat(live.path("end").asLong()).isEqualTo(next.id());
        } finally {
            stream.body().close();
        }

        // A restarted control plane reads them from the store: nothing measured before it stopped is lost.
        api.close();
        cp.close();
        cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), dir.resolve("deployguard.yaml"), null,
                null, null), Clock.systemUTC());
        cp.start();
        api = new ApiServer(cp, "127.0.0.1", 0, false);
        api.start();
        JsonNode after = metricSeries(send(req("/ui/apps/web/rollout").header("Cookie", cookie(login(cp.apiToken())))
                .GET()).body()).path("points");
        assertThat(after).hasSize(4);
        assertThat(after.get(3).path("value").asDouble()).isEqualTo(150.0);
    }
}
