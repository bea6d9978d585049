package dev.deployguard.server.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.SpecParser;
import dev.deployguard.store.JdbcStore;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checklist in front of deploy, recording to a real (embedded H2) store. */
class DeployChecksTest {
    @TempDir
    Path dir;
    private JdbcStore store;
    private DeployChecks checks;

    @BeforeEach
    void open() {
        store = JdbcStore.embedded(dir.resolve("state"));
        checks = new DeployChecks(new ChecklistFactory(dir.resolve("state"), Map.of("PATH", "/usr/bin:/bin"),
                Clock.systemUTC()), new EventLog(store, Clock.systemUTC()));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private AppSpec app(String checksSection) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return new SpecParser().parse("""
                apps:
                  web:
                    platform:
                      local: {command: ["sh", "${port}"], listen: "127.0.0.1:%d"}
                    checks: %s
                """.formatted(port, checksSection), "deployguard.yaml", dir).app("web").orElseThrow();
    }

    private List<Event> events() {
        return store.events("web", 0, Instant.EPOCH, 100);
    }

    @Test
    void aReadyChecklistLetsTheDeployGoAheadAndIsRecorded() throws IOException {
        checks.admit(app("{timeout: 5s}"), "1.0", false, "alice");

        Event e = events().get(events().size() - 1);
        assertThat(e.kind()).isEqualTo(EventKinds.CHECKS_PASSED);
        assertThat(e.actor()).isEqualTo("alice");
        assertThat(e.message()).startsWith("READY: web 1.0, 3 checks (3 passed)");
        assertThat(e.data()).containsEntry("verdict", "READY").containsEntry("version", "1.0");
    }

    @Test
    void aNotReadyChecklistRefusesWithEvidenceAndRemedy() throws IOException {
        AppSpec app = app("{disk: {minFree: 1000000TB}}");

        assertThatThrownBy(() -> checks.admit(app, "1.0", false, "alice"))
                .isInstanceOfSatisfying(DeployGuardException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.FAILURE);
                    assertThat(e.getMessage()).startsWith("deploy of web 1.0 refused: the pre-deployment checklist"
                            + " is NOT READY; nothing was started\n  local.disk FAIL: ")
                            .contains("below the 1.0 EB required — free some space there")
                            .contains("--skip-checks");
                });
        Event e = events().get(events().size() - 1);
        assertThat(e.kind()).isEqualTo(EventKinds.CHECKS_FAILED);
        assertThat(e.message()).contains("local.disk FAIL");
        assertThat(e.data()).containsEntry("verdict", "NOT_READY");
        assertThat(e.data().get("checks")).isEqualTo(Map.of("local.command", "PASS", "local.ports", "PASS",
                "local.disk", "FAIL"));
    }

    @Test
    void skippingIsRecordedWithTheActorAndRunsNothing() throws IOException {
        AppSpec app = app("{disk: {minFree: 1000000TB}}");

        checks.admit(app, "1.0", true, "bob");

        List<Event> events = events();
        assertThat(events).extracting(Event::kind).containsExactly(EventKinds.CHECKS_SKIPPED);
        assertThat(events.get(0).actor()).isEqualTo("bob");
        assertThat(events.get(0).message()).isEqualTo("pre-deployment checks skipped by bob for 1.0 (--skip-checks)");
        assertThat(events.get(0).data()).containsEntry("skippedBy", "bob");
    }
}
