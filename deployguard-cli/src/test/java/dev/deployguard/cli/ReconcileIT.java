package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.traffic.RouteTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted control plane reconciles what it rebuilds from the world with the store instead of trusting either
 * blindly: a router holding a newer route generation than the store is adopted, not fought, and a rollout the
 * router is ahead of is held for a person instead of resumed; a duplicate of an instance, or an instance the store
 * no longer records (its stop was under way), is stopped, not adopted.
 */
class ReconcileIT {
    @TempDir
    Path dir;
    Harness h;
    final List<Process> extra = new ArrayList<>();

    @AfterEach
    void tearDown() {
        extra.forEach(Process::destroyForcibly);
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aRouterHoldingANewerGenerationThanTheStoreIsAdoptedNotFought() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        JsonNode router = h.ok("status", "demo", "-o", "json").json().path("router");
        RouterClient client = new RouterClient(router.path("adminPort").asInt(),
                Files.readString(h.stateDir.resolve("router.token")).strip()).forApp("demo");
        RouteTable stored = client.routes();
        // The store lost the writes of five route changes the router took (as an H2 that drops its newest commits
        // did): the router is ahead.
        client.putRoutes(new RouteTable("demo", stored.generation() + 5, stored.tracks()));

        h.killServer();
        h.startServer();

        JsonNode routes = h.ok("status", "demo", "-o", "json").json().path("routes");
        assertThat(routes.path("generation").asLong()).isEqualTo(stored.generation() + 5);
        List<String> events = kinds();
        assertThat(events).anyMatch(e -> e.startsWith("router.adopted") && e.contains("its table was adopted"));
        assertThat(events).noneMatch(e -> e.startsWith("router.crashed"));
        h.ok("deploy", "demo", "--version", "v2");
        assertThat(client.routes().generation()).as("the next table is numbered after the router's")
                .isGreaterThan(stored.generation() + 5);
        assertThat(h.get()).isEqualTo("hello from demo v2");
    }

    @Test
    void aRolloutBehindTheRouterIsHeldNotResumed() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        // A canary that sits at 30% collecting evidence (no traffic: its analysis holds, it never decides).
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, """
                strategy:
                  canary:
                    steps:
                      - setWeight: 30
                      - analysis: {}
                      - setWeight: 60
                    analysis: {interval: 1s, minDuration: 1h, maxDuration: 2h, latency: false}
                """);
        h.ok("deploy", "demo", "--version", "v2");
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        assertThat(status.path("rollout").path("phase").asText()).isEqualTo("PROGRESSING");
        RouterClient client = new RouterClient(status.path("router").path("adminPort").asInt(),
                Files.readString(h.stateDir.resolve("router.token")).strip()).forApp("demo");
        RouteTable stored = client.routes();
        // The router took a later step the store did not keep: the stored rollout is behind it.
        client.putRoutes(new RouteTable("demo", stored.generation() + 1, stored.tracks()));

        h.killServer();
        h.startServer();

        JsonNode after = h.ok("status", "demo", "-o", "json").json();
        assertThat(after.path("rollout").path("phase").asText()).isEqualTo("PAUSED");
        assertThat(kinds()).anyMatch(e -> e.startsWith("rollout.held"));
        assertThat(client.routes().generation()).isEqualTo(stored.generation() + 1);
        h.ok("abort", "demo");
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }

    @Test
    void aDuplicateOfAnInstanceAndAnUnrecordedOneAreStoppedOnAdoption() throws Exception {
        h = new Harness(dir, "", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        long recorded = Harness.pids(h.ok("status", "demo", "-o", "json").json()).get(0);
        // As the platform starts them: a second process for instance 0 of revision 1 (a duplicate whose stop was
        // never stored), and one for instance 1, which the store does not record (a stop under way when the
        // control plane died: the record goes first).
        Process duplicate = instanceProcess(1, 0);
        Process unrecorded = instanceProcess(1, 1);

        h.killServer();
        h.startServer();

        Harness.await(Duration.ofSeconds(15), () -> !duplicate.isAlive() && !unrecorded.isAlive());
        assertThat(ProcessHandle.of(recorded).map(ProcessHandle::isAlive)).as("the recorded instance").hasValue(true);
        assertThat(Harness.pids(h.ok("status", "demo", "-o", "json").json())).containsExactly(recorded);
        List<String> events = kinds();
        assertThat(events).anyMatch(e -> e.contains("(pid " + duplicate.pid() + ") stopped on adoption: a duplicate"
                + " of the recorded instance (pid " + recorded + ")"));
        assertThat(events).anyMatch(e -> e.contains("(pid " + unrecorded.pid() + ") stopped on adoption: the store"
                + " records no such instance"));
        assertThat(events).noneMatch(e -> e.startsWith("instance.crashed") || e.startsWith("instance.restarted"));
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }

    /** The demo app started with the variables LocalPlatform gives an instance of this state directory. */
    private Process instanceProcess(int revision, int index) throws Exception {
        int port = Ports.freeLoopbackPort();
        var pb = new ProcessBuilder(Harness.java(), "-Xmx32m", "-XX:+UseSerialGC", "-cp", Harness.classPath(),
                "dev.deployguard.demo.DemoApp", "--port", Integer.toString(port), "--version", "v1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(java.util.Map.of("DEPLOYGUARD_STATE_DIR", h.stateDir.toAbsolutePath().toString(),
                "DEPLOYGUARD_APP", "demo", "DEPLOYGUARD_REVISION", Integer.toString(revision),
                "DEPLOYGUARD_INSTANCE", Integer.toString(index), "PORT", Integer.toString(port)));
        Process p = pb.start();
        extra.add(p);
        return p;
    }

    /** Events of the app as "kind message". */
    private List<String> kinds() {
        List<String> out = new ArrayList<>();
        h.ok("events", "demo", "-o", "json").json().path("events")
                .forEach(e -> out.add(e.path("kind").asText() + " " + e.path("message").asText()));
        return out;
    }
}
