package dev.deployguard.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.event.Event;
import dev.deployguard.json.Json;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route × every caller (no token, a wrong token, viewer, operator, admin), over real HTTP. The routes come
 * from {@link Endpoint}, the table the API dispatches through: a request matching no constant is answered 404, so a
 * new route exists only once it is in the table with a role, and then this test covers it. POST bodies carry an
 * unknown field, so an allowed call is refused as bad input (or not found) after the role check and changes nothing.
 */
class EndpointRolesTest {
    @TempDir
    Path dir;
    ControlPlane cp;
    ApiServer api;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final Map<Role, String> tokens = new EnumMap<>(Role.class);

    @BeforeEach
    void setUp() throws Exception {
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
        tokens.put(Role.ADMIN, cp.apiToken());
        for (Role r : List.of(Role.VIEWER, Role.OPERATOR)) {
            HttpResponse<String> created = call("POST", "/api/tokens", cp.apiToken(),
                    "{\"role\": \"" + r.label() + "\", \"name\": \"t-" + r.label() + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            tokens.put(r, Json.mapper().readTree(created.body()).path("token").asText());
        }
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

    @Test
    void everyRouteAnswersEachRoleAsItsTableSays() throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (Endpoint e : Endpoint.values()) {
            String path = e.path(e.template().contains("{id}") ? "1" : e.template().contains("{name}") ? "t-viewer"
                    : "web");
            String body = e.method().equals("POST") ? "{\"notAField\": 1}" : null;
            expectAuth(mismatches, e, "no token", call(e.method(), path, null, body), !e.open());
            expectAuth(mismatches, e, "wrong token", call(e.method(), path, "dgt_" + "0".repeat(64), body),
                    !e.open());
            for (Role caller : Role.values()) {
                HttpResponse<String> r = call(e.method(), path, tokens.get(caller), body);
                boolean allowed = e.open() || caller.includes(e.role());
                if (allowed) {
                    if (r.statusCode() == 401 || r.statusCode() == 403
                            || r.body().contains("no such API endpoint")) {
                        mismatches.add(e + " as " + caller + ": expected to be served, got " + r.statusCode() + " "
                                + r.body());
                    }
                } else {
                    JsonNode n = Json.mapper().readTree(r.body());
                    if (r.statusCode() != 403 || !n.path("requiredRole").asText().equals(e.role().label())
                            || !n.path("error").asText().contains("needs the " + e.role().label() + " role")) {
                        mismatches.add(e + " as " + caller + ": expected 403 naming " + e.role().label() + ", got "
                                + r.statusCode() + " " + r.body());
                    }
                }
            }
        }
        assertThat(mismatches).isEmpty();
        // Nothing but the health probe is open, and each role's reach is what the docs promise.
        assertThat(List.of(Endpoint.values())).filteredOn(Endpoint::open).containsExactly(Endpoint.HEALTH);
        assertThat(List.of(Endpoint.values())).filteredOn(e -> e.method().equals("GET") && !e.open())
                .extracting(Endpoint::role).containsOnly(Role.VIEWER, Role.ADMIN);
        assertThat(List.of(Endpoint.TOKENS, Endpoint.TOKEN_CREATE, Endpoint.TOKEN_REVOKE, Endpoint.BACKUP,
                Endpoint.DELETE, Endpoint.DOWN)).extracting(Endpoint::role).containsOnly(Role.ADMIN);
        assertThat(List.of(Endpoint.DEPLOY, Endpoint.ROLLBACK, Endpoint.PROMOTE, Endpoint.ABORT, Endpoint.PAUSE,
                Endpoint.RESUME)).extracting(Endpoint::role).containsOnly(Role.OPERATOR);
        // The calls above changed nothing: no release, no incident; the revoke target still exists.
        assertThat(cp.store().history("web")).isEmpty();
        assertThat(cp.store().incidents(null, 10)).isEmpty();
        assertThat(cp.store().tokens()).extracting(t -> t.name()).containsExactly("t-operator", "t-viewer");
    }

    @Test
    void aPathOutsideTheTableIsNotFoundForAnAdminAndUnauthorizedWithoutAToken() throws Exception {
        assertThat(call("GET", "/api/apps/web/secrets", cp.apiToken(), null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/apps/web/secrets", null, null).statusCode()).isEqualTo(401);
        assertThat(call("DELETE", "/api/apps/web", tokens.get(Role.VIEWER), null).statusCode()).isEqualTo(404);
    }

    @Test
    void refusalsAndActionsAreAuditedWithTheTokensNameRoleAndSource() throws Exception {
        call("POST", "/api/apps/web/abort", tokens.get(Role.VIEWER), "{}");
        call("POST", "/api/apps/web/abort", null, "{}");
        call("POST", "/api/incidents", tokens.get(Role.OPERATOR), "{\"app\": \"web\", \"title\": \"slow\"}");
        List<Event> audit = cp.store().events(null, "audit", 0, null, 100);
        // The two tokens created in setUp come first.
        assertThat(audit).extracting(Event::kind).containsExactly("audit.action", "audit.action", "audit.refused",
                "audit.refused", "audit.action");
        Event refused = audit.get(2);
        assertThat(refused.actor()).isEqualTo("t-viewer");
        assertThat(refused.app()).isNull(); // a control-plane event; the app is in its data
        assertThat(refused.data()).containsEntry("app", "web");
        assertThat(refused.data()).containsEntry("role", "viewer").containsEntry("requiredRole", "operator")
                .containsEntry("status", 403).containsEntry("source", "127.0.0.1");
        assertThat(audit.get(3).actor()).isEqualTo("anonymous");
        assertThat(audit.get(3).data()).containsEntry("status", 401);
        assertThat(audit.get(4).actor()).isEqualTo("t-operator");
        assertThat(audit.get(4).data()).containsEntry("role", "operator").containsEntry("endpoint", "INCIDENT_OPEN");
        // A token's secret is never part of the trail.
        for (Event e : cp.store().events(null, 0, null, 1000)) {
            for (String secret : tokens.values()) {
                assertThat(e.message() + e.data()).doesNotContain(secret);
            }
        }
    }

    @Test
    void theActorIsTheTokensNameWhateverTheActorHeaderSays() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api.url() + "/api/incidents"))
                .header("Authorization", "Bearer " + tokens.get(Role.OPERATOR))
                .header("X-DeployGuard-Actor", "admin) (by root").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"app\": \"web\", \"title\": \"forged\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String who = cp.store().incidents("web", 1).get(0).openedBy();
        assertThat(who).isEqualTo("t-operator (for adminbyroot)");
        Event audited = cp.store().events(null, "audit", 0, null, 100).stream()
                .filter(e -> "INCIDENT_OPEN".equals(e.data().get("endpoint"))).findFirst().orElseThrow();
        assertThat(audited.actor()).startsWith("t-operator");
        assertThat(audited.data()).containsEntry("onBehalfOf", "adminbyroot").containsEntry("role", "operator");
    }

    @Test
    void aRevokedTokenIsRefusedAtOnce() throws Exception {
        assertThat(call("GET", "/api/apps", tokens.get(Role.VIEWER), null).statusCode()).isEqualTo(200);
        HttpResponse<String> revoked = call("POST", "/api/tokens/t-viewer/revoke", cp.apiToken(), "{}");
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(call("GET", "/api/apps", tokens.get(Role.VIEWER), null).statusCode()).isEqualTo(401);
        HttpResponse<String> again = call("POST", "/api/tokens/t-viewer/revoke", cp.apiToken(), "{}");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).contains("no token named 't-viewer'");
    }

    @Test
    void theStoreKeepsOnlyAHashOfEachSecret() throws IOException {
        for (var t : cp.store().tokens()) {
            assertThat(t.hash()).matches("[0-9a-f]{64}");
            assertThat(tokens.values()).noneMatch(secret -> secret.contains(t.hash()) || t.hash().contains(secret));
        }
        assertThat(tokens.get(Role.VIEWER)).matches("dgt_[0-9a-f]{64}");
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(api.url() + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expectAuth(List<String> mismatches, Endpoint e, String caller, HttpResponse<String> r,
                                   boolean refused) {
        if (refused ? r.statusCode() != 401 : r.statusCode() == 401 || r.statusCode() == 403) {
            mismatches.add(e + " with " + caller + ": got " + r.statusCode() + " " + r.body());
        }
    }
}
