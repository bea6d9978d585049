package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deployguard token create|list|revoke} against a real control plane process: roles are enforced for the
 * CLI as for the API, the actor in history is the token's name (the CLI's user and a forged actor header only
 * appear as "for NAME" beside it), and {@code events --type audit} shows who did what, refusals included.
 */
class TokenIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void tokensWithRolesAreCreatedListedEnforcedAuditedAndRevoked() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        String viewer = h.ok("token", "create", "--role", "viewer", "--name", "grafana").out().strip();
        String operator = h.ok("token", "create", "--role", "operator", "--name", "ci").out().strip();
        assertThat(viewer).matches("dgt_[0-9a-f]{64}");
        assertThat(operator).matches("dgt_[0-9a-f]{64}").isNotEqualTo(viewer);

        Harness.Run list = h.ok("token", "list");
        assertThat(list.out()).contains("NAME", "ROLE", "LAST USED").containsPattern("grafana\\s+viewer")
                .containsPattern("ci\\s+operator").containsPattern("admin\\s+admin");
        assertThat(list.out() + h.ok("token", "list", "-o", "json").out()).doesNotContain(viewer, operator);

        // A viewer reads but cannot deploy: exit code 2 and the role it needs.
        assertThat(h.ok("--token", viewer, "status", "demo").out()).contains("demo");
        Harness.Run refused = h.cli("--token", viewer, "deploy", "demo", "--version", "v1");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("needs the operator role", "'grafana' has the viewer role");
        Harness.Run noAdmin = h.cli("--token", operator, "token", "create", "--role", "admin", "--name", "x");
        assertThat(noAdmin.exit()).isEqualTo(2);
        assertThat(noAdmin.err()).contains("needs the admin role");

        // The operator deploys; WHO is the token's name, with the CLI's user beside it.
        h.ok("--token", operator, "deploy", "demo", "--version", "v1");
        JsonNode release = h.ok("history", "demo", "-o", "json").json().path("releases").get(0);
        assertThat(release.path("actor").asText()).startsWith("ci");
        // A forged actor header changes nothing about WHO.
        HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(ApiClient.forStateDir(h.stateDir, null, "t").baseUrl() + "/api/apps/demo/pause"))
                .header("Authorization", "Bearer " + operator).header("X-DeployGuard-Actor", "admin")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(400); // no rollout to pause

        JsonNode audit = h.ok("events", "--type", "audit", "-o", "json").json().path("events");
        List<String> lines = new ArrayList<>();
        audit.forEach(e -> lines.add(e.path("kind").asText() + " " + e.path("actor").asText() + " "
                + e.path("data").path("role").asText() + " " + e.path("data").path("endpoint").asText() + " "
                + e.path("data").path("status").asInt()));
        // The CLI sends its OS user as "on behalf of"; the raw request above sent a forged "admin".
        String me = " (for " + System.getProperty("user.name").replaceAll("[^A-Za-z0-9._@-]", "") + ")";
        assertThat(lines).containsExactly(
                "audit.action admin" + me + " admin TOKEN_CREATE 200",
                "audit.action admin" + me + " admin TOKEN_CREATE 200",
                "audit.refused grafana" + me + " viewer DEPLOY 403",
                "audit.refused ci" + me + " operator TOKEN_CREATE 403",
                "audit.action ci" + me + " operator DEPLOY 200",
                "audit.failed ci (for admin) operator PAUSE 400");
        assertThat(audit.toString()).doesNotContain(viewer, operator);
        String table = h.ok("events", "--type", "audit").out();
        assertThat(table).contains("audit.refused", "grafana").doesNotContain("instance.started");
        for (JsonNode t : h.ok("token", "list", "-o", "json").json().path("tokens")) {
            if (t.path("name").asText().equals("ci")) {
                assertThat(t.path("lastUsedAt").isNull()).as("ci's last use").isFalse();
            }
        }

        // Revoked: refused at once; revoking again is "not found" (exit 6).
        assertThat(h.ok("token", "revoke", "grafana").out()).contains("revoked token 'grafana'");
        Harness.Run gone = h.cli("--token", viewer, "status", "demo");
        assertThat(gone.exit()).isEqualTo(2);
        assertThat(gone.err()).contains("missing or wrong API token");
        assertThat(h.cli("token", "revoke", "grafana").exit()).isEqualTo(6);
        Harness.Run bad = h.cli("token", "create", "--role", "root");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("expected one of viewer, operator, admin");
        assertThat(h.ok("token", "list").out()).doesNotContain("grafana").contains("ci");
    }
}
