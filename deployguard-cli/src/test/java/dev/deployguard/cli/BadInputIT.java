package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear message and an exit code, and loses nothing from the store. */
class BadInputIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private String history() {
        return h.ok("history", "demo", "-o", "json").out();
    }

    @Test
    void malformedOrUnknownFieldsInTheSpecStopTheServerFromStarting() throws Exception {
        h = new Harness(dir, "", 1);
        Files.writeString(h.spec, "apps:\n  demo: \"unterminated\n");
        Harness.Run r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("invalid spec", "malformed YAML", "line 2");

        Files.writeString(h.spec, "apps:\n  demo:\n    platform:\n      local:\n        listen: 127.0.0.1:1\n"
                + "        comand: [x]\n");
        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("apps.demo.platform.local.comand: unknown field 'comand'", "command");

        Files.writeString(h.spec, "apps:\n  demo:\n    platform:\n      local:\n        listen: 127.0.0.1:1\n");
        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("apps.demo.platform.local.command: missing");
    }

    @Test
    void badServerFlagsStopTheServerBeforeItStartsNamingTheFlag() throws Exception {
        h = new Harness(dir, "", 1);
        String store = "jdbc:postgresql://127.0.0.1:1/deployguard";

        Harness.Run r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--prometheus-url",
                "prometheus:9090");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--prometheus-url", "http://", "got 'prometheus:9090'");

        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--prometheus-url",
                "http://bob:hunter2@prometheus:9090/?x=1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--prometheus-url", "no query", "bob:***@").doesNotContain("hunter2");

        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--lease-duration", "30s");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--lease-duration only applies with --leader-elect");

        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--store-url", store,
                "--leader-elect", "--retry-period", "thirty");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--retry-period", "expected a duration such as 500ms, 30s", "'thirty'");

        // Only the lease is shortened: the default renew deadline (10s) no longer fits in it.
        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--store-url", store,
                "--leader-elect", "--lease-duration", "5s");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("need --retry-period < --renew-deadline < --lease-duration",
                "--retry-period 2s (default)", "--renew-deadline 10s (default)", "--lease-duration 5s");

        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--store-url", store,
                "--leader-elect", "--lease-duration", "20s", "--renew-deadline", "10s", "--retry-period", "10s");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--retry-period 10s, --renew-deadline 10s, --lease-duration 20s");

        r = h.cli("server", "-f", h.spec.toString(), "--listen", "127.0.0.1:0", "--store-url", store,
                "--leader-elect", "--lease-duration", "15500ms");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--lease-duration: must be whole seconds");
        assertThat(h.stateDir.resolve("server.json")).doesNotExist();
    }

    @Test
    void commandsWithoutARunningControlPlaneSaySoWithExitCode5() throws Exception {
        h = new Harness(dir, "", 1);
        Harness.Run r = h.cli("history", "demo");
        assertThat(r.exit()).isEqualTo(5);
        assertThat(r.err()).contains("no control plane", "deployguard server");
    }

    @Test
    void unknownAppsRevisionsAndMissingCommandsAreRefusedAndChangeNothing() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        String before = history();

        Harness.Run r = h.cli("deploy", "nope", "--version", "v1");
        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).contains("unknown app 'nope'", "declares: demo");

        r = h.cli("rollback", "demo", "--to-revision", "99");
        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).contains("no revision 99", "revisions 1 to 1");

        r = h.cli("rollback", "demo");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no earlier release that served traffic");

        r = h.cli("deploy", "demo");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--version");

        r = h.cli("deploy", "demo", "--version", "v2", "--timeout", "soon");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--timeout", "500ms");

        // The pre-deployment checklist refuses it (exit 1) before anything is recorded or started.
        h.writeSpec("", 1, "/nonexistent/bin/server", "127.0.0.1:" + h.listen);
        r = h.cli("deploy", "demo", "--version", "v2");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("local.command FAIL: /nonexistent/bin/server does not exist",
                "apps.demo.platform.local.command[0]");

        Files.writeString(h.spec, "apps: [broken");
        r = h.cli("deploy", "demo", "--version", "v2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("invalid spec", "malformed YAML");

        assertThat(history()).isEqualTo(before);
        assertThat(h.get()).isEqualTo("hello from demo v1");
        JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
        assertThat(events).anySatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("checks.failed"));
    }

    @Test
    void aTakenListenPortIsNamedAndNothingIsRecorded() throws Exception {
        h = new Harness(dir, "", 1);
        try (var taken = new ServerSocket(h.listen, 50, InetAddress.getLoopbackAddress())) {
            assertThat(taken.getLocalPort()).isEqualTo(h.listen);
            h.startServer();
            Harness.Run r = h.cli("deploy", "demo", "--version", "v1");
            assertThat(r.exit()).as("refused by the pre-deployment checklist").isEqualTo(1);
            assertThat(r.err()).contains("127.0.0.1:" + h.listen, "in use by another process",
                    "platform.local.listen");
            assertThat(h.ok("history", "demo", "-o", "json").json().path("releases")).isEmpty();
        }
        // Once the port is free the same command works.
        h.ok("deploy", "demo", "--version", "v1");
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }

    @Test
    void aSecondConcurrentDeployOfTheSameAppIsRefusedNotQueued() throws Exception {
        h = new Harness(dir, "v2:startDelayMs=3000", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        CompletableFuture<Harness.Run> slow = CompletableFuture.supplyAsync(() -> h.cliProcess("deploy", "demo",
                "--version", "v2"));
        Harness.await(java.time.Duration.ofSeconds(20), () -> !h.ok("status", "demo", "-o", "json").json()
                .path("lock").isNull());
        Harness.Run second = h.cli("deploy", "demo", "--version", "v3");
        assertThat(second.exit()).isEqualTo(4);
        assertThat(second.err()).contains("app 'demo' is busy", "deploy v2 by");
        assertThat(slow.get().exit()).isEqualTo(0);
        assertThat(h.ok("history", "demo", "-o", "json").json().path("releases").findValuesAsText("version"))
                .containsExactly("v1", "v2");
    }
}
