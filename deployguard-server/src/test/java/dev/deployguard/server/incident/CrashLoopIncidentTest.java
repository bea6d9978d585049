package dev.deployguard.server.incident;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.EventKinds;
import dev.deployguard.incident.Incident;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.testing.InMemoryStore;
import dev.deployguard.testing.SimulatedClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash loop, recorded once by the supervisor, opens exactly one incident; a crash alone opens none. */
class CrashLoopIncidentTest {
    @TempDir
    Path dir;

    @Test
    void aCrashLoopEventOpensOneSev2IncidentNamingIt() throws Exception {
        InMemoryStore store = new InMemoryStore();
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-12-07T06:00:00Z"));
        EventLog events = new EventLog(store, clock);
        Path spec = dir.resolve("deployguard.yaml");
        Files.writeString(spec, "apps: {}\n");
        RouterProcesses routers = new RouterProcesses(store, dir, dir.resolve("token"), "token", events, clock);
        try (Incidents incidents = new Incidents(store, events, routers, new SpecSource(spec), clock)) {
            events.addListener(incidents);

            events.record("web", null, "supervisor", EventKinds.ROUTER_CRASHED, "router of web (pid 1) is not running");
            events.record("web", null, "supervisor", EventKinds.CRASH_LOOP, "the router of web failed to start 3"
                    + " times in a row; retrying with backoff\nmore", Map.of("component", "router"));

            incidents.settle();
            List<Incident> opened = store.incidents("web", 10);
            assertThat(opened).singleElement().satisfies(i -> {
                assertThat(i.title()).isEqualTo("Crash loop: the router of web failed to start 3 times in a row;"
                        + " retrying with backoff");
                assertThat(i.severity()).isEqualTo("SEV2");
                assertThat(i.openedBy()).isEqualTo("system");
            });
        }
    }
}
