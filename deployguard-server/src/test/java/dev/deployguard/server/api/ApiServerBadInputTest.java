package dev.deployguard.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.event.Event;
import dev.deployguard.json.Json;
import dev.deployguard.server.ControlPlane;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API against bodies a person or a script gets wrong: malformed JSON, wrong types, missing and misspelt
 * fields, unknown incidents and apps, oversized bodies. Each is answered with an error that names what to fix
 * (400, 404, 413; exit code 2 or 6), and none of them changes anything in the store.
 */
class ApiServerBadInputTest {
    @TempDir
    Path dir;
    ControlPlane cp;
    ApiServer api;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void setUp() throws IOException {
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
        api = new ApiServer(cp, "127.0.0.1", 0, false);
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

    private HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api.url() + path))
                .header("Authorization", "Bearer " + cp.apiToken()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, HttpRequest.BodyPublishers.ofString(body));
    }

    /**
     * Everything the store holds that these requests could change. The audit trail is left out: it records every
     * refused request (audit.failed), which is what it is for, not a change.
     */
    private String storeState() {
        var s = cp.store();
        return "events=" + s.events(null, 0, null, 10_000).stream().map(Event::kind)
                .filter(k -> !k.startsWith("audit.")).toList()
                + " incidents=" + s.incidents(null, 100) + " history=" + s.history("web")
                + " lock=" + s.currentLock("web") + " drillLock=" + s.currentLock("drill:web")
                + " rollouts=" + s.rollouts("web", 10);
    }

    /** Asserts the status, exit code 2 or 6 as the status says, and that the message contains the hints. */
    private static JsonNode refused(HttpResponse<String> r, int status, String... hints) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.path("exitCode").asInt()).as(r.body()).isEqualTo(status == 404 ? 6 : 2);
        assertThat(body.path("error").asText()).contains(hints);
        return body;
    }

    @Test
    void headersOverTheLimitAreRefusedWith431AsJsonAndAHealthyControlPlaneSaysOk() throws Exception {
        HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create(api.url() + "/api/apps"))
                .header("Authorization", "Bearer " + cp.apiToken())
                .header("X-Padding", "x".repeat(ApiServer.MAX_HEADERS + 1))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(big.statusCode()).isEqualTo(431);
        assertThat(Json.mapper().readTree(big.body()).path("error").asText()).contains("431");

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(api.url() + "/api/health"))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readTree(health.body()).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void versionsAndChangeCausesThatBreakTheRulesAreRefusedWithTheRule() throws Exception {
        String before = storeState();
        String deploy = "/api/apps/web/deploy";
        refused(post(deploy, "{\"version\": \"v2\\n3  v9  DEPLOYED  forged\"}"), 400, "invalid version 'v2\\u000a3",
                "letters, digits");
        refused(post(deploy, "{\"version\": \"" + "v".repeat(5_000) + "\"}"), 400, "invalid version",
                "(5000 characters)", "1-128 characters");
        refused(post(deploy, "{\"version\": \"../v1\"}"), 400, "invalid version '../v1'");
        refused(post(deploy, "{\"version\": \"v2\", \"changeCause\": \"fix\\nREVISION 9 forged\"}"), 400,
                "control character", "one line");
        refused(post(deploy, "{\"version\": \"v2\", \"changeCause\": \"" + "x".repeat(5_000) + "\"}"), 400,
                "5000 characters", "at most 1024");
        refused(post("/api/apps/web/check", "{\"version\": \"v 2\"}"), 400, "invalid version 'v 2'");
        assertThat(storeState()).isEqualTo(before);
    }

    @Test
    void aPathJettyRefusesIsAnsweredInJsonNotAnHtmlPage() throws Exception {
        String before = storeState();
        HttpResponse<String> r = post("/api/apps/..%2Fevil/deploy", "{\"version\": \"v2\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = Json.mapper().readTree(r.body());
        assertThat(body.path("exitCode").asInt()).isEqualTo(2);
        assertThat(body.path("error").asText()).contains("request refused (400", "app names are lowercase");
        assertThat(storeState()).isEqualTo(before);
    }

    @Test
    void stopDeleteAndDownRefuseBadBodiesAndUnknownAppsAndChangeNothing() throws Exception {
        String before = storeState();

        refused(post("/api/apps/web/stop", "{\"force\": true}"), 400, "unknown field 'force'", "it takes no fields");
        refused(post("/api/apps/web/delete", "{\"keepHistory\": \"yes\"}"), 400, "'keepHistory'",
                "must be true or false");
        refused(post("/api/apps/web/delete", "{\"keep-history\": true}"), 400, "unknown field 'keep-history'",
                "it takes keepHistory");
        refused(post("/api/down", "{\"all\": true}"), 400, "unknown field 'all'");
        refused(post("/api/apps/ghost/stop", "{}"), 404, "unknown app 'ghost'", "declares: web");
        refused(post("/api/apps/ghost/delete", "{\"keepHistory\": true}"), 404, "unknown app 'ghost'");

        assertThat(storeState()).isEqualTo(before);
        // Well-formed: an app with nothing running says so; down with no app stops nothing.
        HttpResponse<String> stop = post("/api/apps/web/stop", "{}");
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(stop.body()).path("message").asText())
                .isEqualTo("app 'web' had nothing running; nothing to stop");
        HttpResponse<String> down = post("/api/down", "{}");
        assertThat(down.statusCode()).as(down.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(down.body()).path("apps")).isEmpty();
    }

    @Test
    void checkRefusesMalformedJsonWrongTypesAndMisspeltFields() throws Exception {
        String before = storeState();
        String check = "/api/apps/web/check";

        refused(post(check, "{\"version\": \"v2\""), 400, "malformed JSON in the body of POST " + check, "line 1");
        refused(post(check, "[\"v2\"]"), 400, "the body of POST " + check + " must be a JSON object, got an array");
        refused(post(check, "\"v2\""), 400, "must be a JSON object, got a string");
        refused(post(check, "{\"version\": 2}"), 400, "'version' in the body of POST " + check
                + " must be a string, got a number 2");
        refused(post(check, "{\"version\": {\"name\": \"v2\"}}"), 400, "'version'", "must be a string, got an"
                + " object");
        refused(post(check, "{\"verison\": \"v2\"}"), 400, "unknown field 'verison'", "it takes version");
        refused(post(check, "{\"version\": \"v1\"} {\"version\": \"v2\"}"), 400, "malformed JSON", "Trailing");
        refused(post(check, "{\"version\": \"v1\", \"version\": \"v2\"}"), 400, "malformed JSON",
                "Duplicate field 'version'");
        refused(post("/api/apps/ghost/check", "{\"version\": \"v1\"}"), 404, "ghost");

        assertThat(storeState()).isEqualTo(before);
        // The same endpoint with a well-formed body (null is "not given") answers the checklist.
        HttpResponse<String> ok = post(check, "{\"version\": null}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(ok.body()).path("results").isArray()).as(ok.body()).isTrue();
    }

    @Test
    void drillRefusesBadBodiesBeforeItDeploysAnything() throws Exception {
        String before = storeState();
        String drill = "/api/apps/web/drill";

        // A comma-separated string must not be read as "no versions given" and start a drill of the defaults.
        refused(post(drill, "{\"versions\": \"v1,v2\"}"), 400, "'versions' in the body of POST " + drill
                + " must be an array of strings, got a string \"v1,v2\"");
        refused(post(drill, "{\"versions\": [\"v1\", 2]}"), 400, "'versions'", "an array of strings");
        refused(post(drill, "{\"versions\": [\"v1\"]}"), 400, "'versions' must name two versions", "[\"v1\", \"v2\"]");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"probes\": {\"path\": \"/\"}}"), 400,
                "'probes'", "must be an array of objects, got an object");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"probes\": [{\"path\": \"health\"}]}"), 400,
                "expected a path starting with '/'", "\"expectStatus\": 200");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"probes\": [{\"path\": \"/\", \"expectStatus\":"
                + " \"200\"}]}"), 400, "'expectStatus' in the body of POST " + drill + " (probes[0]) must be a whole"
                + " number of at least 100, got a string \"200\"");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"probes\": [{\"path\": \"/\", \"status\": 200}]}"),
                400, "unknown field 'status'", "it takes path, expectStatus");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"timeout\": 30}"), 400, "'timeout'",
                "must be a string, got a number 30");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"timeout\": \"soon\"}"), 400, "'timeout' in the body"
                + " of POST " + drill + ": ");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"], \"timout\": \"30s\"}"), 400, "unknown field 'timout'");
        refused(post(drill, "{\"versions\": [\"v1\", \"v2\"]"), 400, "malformed JSON");
        refused(post("/api/apps/ghost/drill", "{\"versions\": [\"v1\", \"v2\"]}"), 404, "ghost");

        assertThat(storeState()).isEqualTo(before);
        assertThat(cp.store().instances("web")).isEmpty();
    }

    @Test
    void openingAnIncidentRefusesMissingFieldsWrongTypesAndUnknownApps() throws Exception {
        String before = storeState();

        refused(post("/api/incidents", "{}"), 400, "'app' is required in the body of POST /api/incidents",
                "{\"app\": \"web\"}");
        refused(post("/api/incidents", ""), 400, "'app' is required");
        refused(post("/api/incidents", "{\"app\": \"web\"}"), 400, "title", "checkout returns 500");
        refused(post("/api/incidents", "{\"app\": \"web\", \"title\": 5}"), 400, "'title'", "must be a string");
        refused(post("/api/incidents", "{\"app\": [\"web\"], \"title\": \"x\"}"), 400, "'app'", "must be a string,"
                + " got an array");
        refused(post("/api/incidents", "{\"app\": \"web\", \"title\": \"x\", \"severity\": 1}"), 400,
                "'severity'", "must be a string");
        refused(post("/api/incidents", "{\"app\": \"web\", \"title\": \"x\", \"severity\": \"SEV9\"}"), 400,
                "SEV1 (worst) to SEV5");
        refused(post("/api/incidents", "{\"app\": \"web\", \"titel\": \"x\"}"), 400, "unknown field 'titel'",
                "app, title, severity");
        refused(post("/api/incidents", "{\"app\": \"web\", \"title\": \"x\""), 400, "malformed JSON in the body of"
                + " POST /api/incidents");
        refused(post("/api/incidents", "{\"app\": \"ghost\", \"title\": \"x\"}"), 404, "ghost");

        assertThat(storeState()).isEqualTo(before);
        HttpResponse<String> ok = post("/api/incidents", "{\"app\": \"web\", \"title\": \"checkout returns 500\","
                + " \"severity\": null}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(cp.store().incidents("web", 10)).singleElement()
                .satisfies(i -> assertThat(i.severity()).isEqualTo("SEV3"));
    }

    @Test
    void notesAndClosingRefuseUnknownIncidentsAndBadBodies() throws Exception {
        HttpResponse<String> opened = post("/api/incidents", "{\"app\": \"web\", \"title\": \"users see 502\"}");
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(200);
        long id = Json.mapper().readTree(opened.body()).path("id").asLong();
        assertThat(id).isPositive();
        String before = storeState();

        refused(post("/api/incidents/999/notes", "{\"text\": \"x\"}"), 404, "no incident with id 999",
                "deployguard incident list");
        refused(post("/api/incidents/999/close", "{}"), 404, "no incident with id 999");
        refused(post("/api/incidents/abc/notes", "{\"text\": \"x\"}"), 400, "incident id must be a positive number,"
                + " got 'abc'");
        refused(post("/api/incidents/0/close", "{}"), 400, "positive number");
        refused(post("/api/incidents/" + id + "/notes", "{}"), 400, "the note is empty");
        refused(post("/api/incidents/" + id + "/notes", "{\"text\": [\"a\", \"b\"]}"), 400, "'text'",
                "must be a string, got an array");
        refused(post("/api/incidents/" + id + "/notes", "{\"note\": \"x\"}"), 400, "unknown field 'note'",
                "it takes text");
        refused(post("/api/incidents/" + id + "/notes", "text=x"), 400, "malformed JSON");
        refused(post("/api/incidents/" + id + "/close", "{\"resolution\": 3}"), 400, "'resolution'",
                "must be a string");
        refused(post("/api/incidents/" + id + "/close", "{\"resolved\": true}"), 400, "unknown field 'resolved'");
        refused(post("/api/incidents/" + id + "/close", "[]"), 400, "must be a JSON object");

        assertThat(storeState()).isEqualTo(before);
        assertThat(cp.store().incident(id).orElseThrow().closedAt()).isNull();
        assertThat(cp.store().incidentNotes(id)).isEmpty();
    }

    @Test
    void anOversizedBodyIsRefusedWhetherItsLengthIsDeclaredOrNot() throws Exception {
        String before = storeState();
        byte[] big = ("{\"app\": \"web\", \"title\": \"" + "x".repeat(ApiServer.MAX_BODY) + "\"}")
                .getBytes(StandardCharsets.UTF_8);

        JsonNode declared = refused(post("/api/incidents", HttpRequest.BodyPublishers.ofByteArray(big)), 413,
                "the body of POST /api/incidents is too large (" + big.length + " bytes)", "at most 1024 KiB");
        // Chunked: no Content-Length, so the limit is applied while reading.
        HttpResponse<String> chunked = post("/api/apps/web/drill",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
        refused(chunked, 413, "the body of POST /api/apps/web/drill is too large (more than " + ApiServer.MAX_BODY
                + " bytes)");
        assertThat(declared.path("error").asText()).doesNotContain("xxxxxxxx");

        assertThat(storeState()).isEqualTo(before);
        // A body just under the limit is read (and judged on its content: the title is clipped, not refused).
        String fits = "{\"app\": \"web\", \"title\": \"" + "y".repeat(ApiServer.MAX_BODY - 100) + "\"}";
        HttpResponse<String> ok = post("/api/incidents", fits);
        assertThat(ok.statusCode()).as(ok.body().substring(0, Math.min(300, ok.body().length()))).isEqualTo(200);
        assertThat(cp.store().incidents("web", 10)).singleElement()
                .satisfies(i -> assertThat(i.title()).startsWith("yyy").hasSizeLessThan(1_000));
    }

    @Test
    void deployAndRollbackBodiesAreReadWithTheSameRules() throws Exception {
        String before = storeState();
        refused(post("/api/apps/web/deploy", "{\"version\": \"v1\", \"atomic\": \"yes\"}"), 400, "'atomic'",
                "must be true or false, got a string \"yes\"");
        refused(post("/api/apps/web/deploy", "{\"version\": \"v1\", \"timeout\": \"5 parsecs\"}"), 400, "'timeout'");
        refused(post("/api/apps/web/deploy", "{\"vesion\": \"v1\"}"), 400, "unknown field 'vesion'");
        refused(post("/api/apps/web/rollback", "{\"toRevision\": 0}"), 400, "'toRevision'",
                "a whole number of at least 1, got a number 0");
        refused(post("/api/apps/web/rollback", "{\"toRevision\": \"2\"}"), 400, "'toRevision'");
        refused(post("/api/apps/web/rollback", "{\"toRevision\": 1.5}"), 400, "'toRevision'");
        refused(post("/api/apps/web/promote", "{\"full\": 1}"), 400, "'full'", "true or false");
        assertThat(storeState()).isEqualTo(before);
        assertThat(List.of(cp.store().history("web"))).containsExactly(List.of());
    }

    /**
     * {@code POST /api/backups/events} (the CLI reports a backup it made itself): every malformed body is a JSON 400
     * naming the field to fix, and records no event. The last row shows the same route records a well-formed one.
     */
    @Test
    void backupEventsRefuseMalformedBodiesAndRecordNothing() throws Exception {
        String before = storeState();
        String route = "/api/backups/events";
        String ok = "\"target\": \"etcd\", \"action\": \"create\", \"backup\": \"20261207T100000Z-1\"";
        String[][] table = {
            // body, what the message must say
            {"{\"target\": \"etcd\"", "malformed JSON in the body of POST " + route},
            {"target=etcd", "malformed JSON"},
            {"[\"etcd\"]", "must be a JSON object, got an array"},
            {"{}", "'target' is required in the body of POST " + route},
            {"{\"target\": \"etcd\", \"action\": \"create\"}", "'backup' is required"},
            {"{\"target\": \"etcd\", \"backup\": \"b1\"}", "'action' is required"},
            {"{\"target\": 3, \"action\": \"create\", \"backup\": \"b1\"}", "'target'",
                "must be a string, got a number 3"},
            {"{" + ok + ", \"ok\": \"yes\"}", "'ok'", "must be true or false"},
            {"{" + ok + ", \"restoreMillis\": -1}", "'restoreMillis'", "a whole number of at least 0"},
            {"{" + ok + ", \"restoreMillis\": \"12\"}", "'restoreMillis'", "got a string"},
            {"{" + ok + ", \"where\": [\"a\"]}", "'where'", "must be a string, got an array"},
            {"{\"target\": \"s3\", \"action\": \"create\", \"backup\": \"b1\"}",
                "target: expected store, etcd or namespace, got 's3'"},
            {"{\"target\": \"etcd\", \"action\": \"delete\", \"backup\": \"b1\"}",
                "action: expected create, verify or restore"},
            {"{\"target\": \"etcd\", \"action\": \"create\", \"backup\": \"b1\\nforged line\"}",
                "backup: give the backup's id or file name (one line"},
            {"{" + ok + ", \"kind\": \"backup.restored\"}", "unknown field 'kind'", "target, action, backup"},
        };
        for (String[] row : table) {
            JsonNode body = refused(post(route, row[0]), 400, java.util.Arrays.copyOfRange(row, 1, row.length));
            assertThat(body.path("error").asText()).as(row[0]).doesNotContain("Exception", "\tat ");
        }
        byte[] big = ("{" + ok + ", \"detail\": \"" + "x".repeat(ApiServer.MAX_BODY) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        refused(post(route, HttpRequest.BodyPublishers.ofByteArray(big)), 413, "the body of POST " + route
                + " is too large");
        assertThat(storeState()).isEqualTo(before);
        assertThat(cp.store().events(null, 0, null, 10_000)).noneMatch(e -> e.kind().startsWith("backup."));

        HttpResponse<String> recorded = post(route, "{" + ok + ", \"ok\": true, \"restoreMillis\": 120}");
        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
        assertThat(cp.store().events(null, 0, null, 10_000)).filteredOn(e -> e.kind().startsWith("backup."))
                .singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo("backup.created"));
    }
}
