package dev.deployguard.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
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
                """.formatted(port));
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
}
