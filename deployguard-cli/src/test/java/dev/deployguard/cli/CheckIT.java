package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * {@code deployguard check} as CI runs it (the real distribution in its own process, no server), and the checklist
 * in front of {@code deploy}: a refusal with evidence, {@code --skip-checks} recorded with the actor, and a
 * rollback that does not run it.
 */
class CheckIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private Harness.Run check(String... args) {
        List<String> all = new ArrayList<>(List.of("check", "demo", "-f", h.spec.toString()));
        all.addAll(List.of(args));
        return h.cliProcess(all.toArray(String[]::new));
    }

    private static Document xml(String text) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> eventKinds() {
        return h.ok("events", "demo", "-o", "json").json().path("events").findValuesAsText("kind");
    }

    @Test
    void aReadyAppExitsZeroWithATable() throws Exception {
        h = new Harness(dir, "", 1);

        Harness.Run r = check("--version", "v1");

        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("STATUS").contains("EVIDENCE", "REMEDY");
        assertThat(r.out()).contains("PASS", "local.command", "local.ports", "127.0.0.1:" + h.listen + " is free",
                "local.disk");
        assertThat(r.out()).contains("READY: demo v1, 3 checks (3 passed) in ");
    }

    @Test
    void withAControlPlaneRunningCheckUsesItsSpecNotTheWorkingDirectorys() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        // The working directory has no deployguard.yaml: only the server's spec can answer.
        assertThat(Path.of("deployguard.yaml")).doesNotExist();

        Harness.Run r = h.cli("check", "demo", "--version", "v1", "-o", "json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().path("verdict").asText()).isEqualTo("READY");
        assertThat(r.json().path("results").findValuesAsText("name")).contains("local.command", "local.ports");

        h.writeSpec("", 1, "/nonexistent/bin/server", "127.0.0.1:" + h.listen);
        Harness.Run table = h.cli("check", "demo", "--version", "v1");
        assertThat(table.exit()).isEqualTo(1);
        assertThat(table.out()).contains("/nonexistent/bin/server does not exist", "NOT READY: demo v1");

        Harness.Run unknown = h.cli("check", "nope");
        assertThat(unknown.exit()).isEqualTo(6);
        assertThat(unknown.err()).contains("unknown app 'nope'", h.spec.toString());
    }

    @Test
    void aMissingCommandAndABusyPortExitOneWithEvidenceAndJunitCountsThem() throws Exception {
        h = new Harness(dir, "", 1);
        h.writeSpec("", 1, "/nonexistent/bin/server", "127.0.0.1:" + h.listen);
        try (var taken = new ServerSocket(h.listen, 50, InetAddress.getLoopbackAddress())) {
            assertThat(taken.isBound()).as("another process holds the app's listen port").isTrue();
            Harness.Run table = check("--version", "v1");
            Path junitFile = dir.resolve("reports/deployguard-check.xml");
            Harness.Run junit = check("--version", "v1", "-o", "junit", "--junit-file", junitFile.toString());

            assertThat(table.exit()).isEqualTo(1);
            assertThat(table.out()).contains("/nonexistent/bin/server does not exist",
                    "port " + h.listen + " (127.0.0.1:" + h.listen + ") is in use by another process",
                    "apps.demo.platform.local.listen", "NOT READY: demo v1, 3 checks (1 passed, 2 failed)");
            assertThat(junit.exit()).isEqualTo(1);
            for (String text : List.of(junit.out(), Files.readString(junitFile))) {
                Document doc = xml(text);
                Element suite = doc.getDocumentElement();
                assertThat(suite.getAttribute("tests")).isEqualTo("3");
                assertThat(suite.getAttribute("failures")).isEqualTo("2");
                assertThat(suite.getAttribute("errors")).isEqualTo("0");
                assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(2);
                assertThat(((Element) doc.getElementsByTagName("failure").item(1)).getAttribute("message"))
                        .isEqualTo("port " + h.listen + " (127.0.0.1:" + h.listen + ") is in use by another process");
            }
        }
    }

    @Test
    void jsonOutputAndABadSpec() throws Exception {
        h = new Harness(dir, "", 1);
        Harness.Run json = check("--version", "v1", "-o", "json");
        assertThat(json.exit()).isEqualTo(0);
        assertThat(json.json().path("verdict").asText()).isEqualTo("READY");
        assertThat(json.json().path("results").findValuesAsText("name"))
                .containsExactly("local.command", "local.ports", "local.disk");

        Files.writeString(h.spec, Files.readString(h.spec) + "    checks: {skip: [local.disc]}\n");
        Harness.Run bad = check("--version", "v1");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("apps.demo.checks.skip[0]: unknown check 'local.disc'", "local.disk");
    }

    @Test
    void deployRunsTheChecklistFirstAndSkippingItIsRecordedWithTheActor() throws Exception {
        h = new Harness(dir, "", 1);
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, "checks: {disk: {minFree: 1000000TB}}");
        h.startServer();

        Harness.Run refused = h.cli("deploy", "demo", "--version", "v1");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("deploy of demo v1 refused: the pre-deployment checklist is NOT READY",
                "local.disk FAIL: ", "below the 1.0 EB required", "lower checks.disk.minFree", "--skip-checks");
        assertThat(h.ok("history", "demo", "-o", "json").json().path("releases")).isEmpty();
        assertThat(eventKinds()).containsExactly("checks.failed");

        h.ok("deploy", "demo", "--version", "v1", "--skip-checks");
        assertThat(h.get()).isEqualTo("hello from demo v1");
        JsonNode skipped = h.ok("events", "demo", "-o", "json").json().path("events").findParents("kind").stream()
                .filter(e -> e.path("kind").asText().equals("checks.skipped")).findFirst().orElseThrow();
        String actor = Harness.actor();
        assertThat(skipped.path("actor").asText()).isEqualTo(actor);
        assertThat(skipped.path("message").asText()).isEqualTo("pre-deployment checks skipped by " + actor
                + " for v1 (--skip-checks)");

        // With the floor gone the checklist passes: the listen port is held by the app's own router.
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen);
        h.ok("deploy", "demo", "--version", "v2");
        assertThat(h.get()).isEqualTo("hello from demo v2");
        assertThat(eventKinds()).contains("checks.passed");
        JsonNode report = ApiClient.forStateDir(h.stateDir, null, "tester").post("/api/apps/demo/check",
                Map.of("version", "v3"));
        assertThat(report.path("verdict").asText()).isEqualTo("READY");
        assertThat(report.path("results").get(1).path("evidence").asText()).isEqualTo("127.0.0.1:" + h.listen
                + " is held by this app's own DeployGuard router");

        long checksBefore = eventKinds().stream().filter(k -> k.startsWith("checks.")).count();
        h.ok("rollback", "demo");
        assertThat(h.get()).isEqualTo("hello from demo v1");
        assertThat(eventKinds().stream().filter(k -> k.startsWith("checks.")).count())
                .as("a rollback does not run the checklist").isEqualTo(checksBefore);
    }
}
