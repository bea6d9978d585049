package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end on the local platform: real control plane, router and app processes, real HTTP. */
class LocalDeployIT {
    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private static List<String> statuses(JsonNode history) {
        List<String> out = new ArrayList<>();
        history.path("releases").forEach(r -> out.add(r.path("revision").asInt() + ":" + r.path("version").asText()
                + ":" + r.path("status").asText()));
        return out;
    }

    private static long aliveInstances(JsonNode status, int revision) {
        return StreamSupport.stream(status.path("instances").spliterator(), false)
                .filter(i -> i.path("revision").asInt() == revision && i.path("alive").asBoolean()).count();
    }

    @Test
    void deployUpgradeRollbackAndRollbackToRevisionWithoutAFailedRequest() throws Exception {
        h = new Harness(dir, "v2:latencyMs=1", 2);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1", "--change-cause", "first");
        assertThat(h.get()).isEqualTo("hello from demo v1");
        try (var traffic = new SteadyTraffic(h.app(), 2, 100).start()) {
            h.ok("deploy", "demo", "--version", "v2", "--change-cause", "second");
            assertThat(h.get()).isEqualTo("hello from demo v2");
            JsonNode status = h.ok("status", "demo", "-o", "json").json();
            assertThat(aliveInstances(status, 2)).as("new release").isEqualTo(2);
            assertThat(aliveInstances(status, 1)).as("previous release kept warm").isEqualTo(2);

            Harness.Run rb = h.ok("rollback", "demo", "-o", "json");
            assertThat(rb.json().path("message").asText()).contains("warm switch");
            assertThat(h.get()).isEqualTo("hello from demo v1");

            h.ok("rollback", "demo", "--to-revision", "2");
            assertThat(h.get()).isEqualTo("hello from demo v2");
            traffic.stop();
            assertThat(traffic.failed()).as("failed requests: %s", traffic.failureSamples()).isZero();
            assertThat(traffic.sent()).isPositive();
        }
        JsonNode history = h.ok("history", "demo", "-o", "json").json();
        assertThat(statuses(history)).containsExactly("1:v1:SUPERSEDED", "2:v2:ROLLED_BACK", "3:v1:ROLLED_BACK",
                "4:v2:DEPLOYED");
        JsonNode rev3 = history.path("releases").get(2);
        assertThat(rev3.path("changeCause").asText()).isEqualTo("Rollback to 1");
        assertThat(rev3.path("sourceRevision").asInt()).isEqualTo(1);
        assertThat(history.path("releases").get(0).path("changeCause").asText()).isEqualTo("first");
        assertThat(history.path("releases").get(0).path("actor").asText()).isEqualTo(Harness.actor());

        String table = h.ok("history", "demo").out();
        assertThat(table.lines().findFirst().orElseThrow()).contains("REVISION", "VERSION", "STATUS",
                "CHANGE-CAUSE", "WHEN", "WHO");
        assertThat(table).contains("Rollback to 2");
        assertThat(h.ok("logs", "demo").out()).contains("demo v2 listening on 127.0.0.1:");
    }

    @Test
    void atomicDeployThatNeverBecomesReadyLeavesTrafficOnThePreviousRelease() throws Exception {
        h = new Harness(dir, "v3:ready=false", 1);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        try (var traffic = new SteadyTraffic(h.app(), 2, 100).start()) {
            Harness.Run r = h.cli("deploy", "demo", "--version", "v3", "--atomic", "--timeout", "2s");
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.err()).contains("FAILED", "not ready after 2s", "traffic stays on revision 1 (v1)",
                    "new instances were stopped");
            traffic.stop();
            assertThat(traffic.failed()).isZero();
            assertThat(traffic.answers()).containsOnlyKeys("hello from demo v1");
        }
        assertThat(statuses(h.ok("history", "demo", "-o", "json").json()))
                .containsExactly("1:v1:DEPLOYED", "2:v3:FAILED");
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        assertThat(status.path("instances")).allSatisfy(i -> assertThat(i.path("revision").asInt()).isEqualTo(1));
        JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
        assertThat(events).anySatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("deploy.atomic-rollback"));
    }

    @Test
    void crashedInstanceIsRestartedAndTheCrashRecorded() throws Exception {
        h = new Harness(dir, "", 2);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        JsonNode before = h.ok("status", "demo", "-o", "json").json();
        long victim = before.path("instances").get(0).path("pid").asLong();
        Path followed = dir.resolve("follow.out");
        Process follow = h.cliBackground(followed, "events", "demo", "--follow");
        try {
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            // The timeline shows the crash and the restart as they happen.
            Harness.await(Duration.ofSeconds(30), () -> Harness.read(followed).contains("instance.restarted"));
            assertThat(Harness.read(followed)).contains("deploy.succeeded", "instance.crashed");
        } finally {
            follow.destroyForcibly();
        }
        JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("kind").asText()).isEqualTo("instance.crashed");
            assertThat(e.path("data").path("pid").asLong()).isEqualTo(victim);
        });
        JsonNode after = h.ok("status", "demo", "-o", "json").json();
        assertThat(aliveInstances(after, 1)).isEqualTo(2);
        assertThat(after.path("instances").findValues("pid")).extracting(JsonNode::asLong).doesNotContain(victim);
        assertThat(after.path("routes").path("tracks").get(0).path("backends")).hasSize(2);
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }

    @Test
    void killingTheControlPlaneDropsNoTrafficAndTheNextOneReadoptsEverything() throws Exception {
        h = new Harness(dir, "", 2);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "demo", "--version", "v2");
        JsonNode before = h.ok("status", "demo", "-o", "json").json();
        try (var traffic = new SteadyTraffic(h.app(), 2, 200).start()) {
            h.killServerUnderTrafficAndRestart(traffic);
            JsonNode after = h.ok("status", "demo", "-o", "json").json();
            assertThat(Harness.pids(after)).containsExactlyInAnyOrderElementsOf(Harness.pids(before));
            assertThat(after.path("router").path("pid").asLong()).isEqualTo(before.path("router").path("pid").asLong());
            assertThat(after.path("routes")).isEqualTo(before.path("routes"));
            JsonNode events = h.ok("events", "demo", "-o", "json").json().path("events");
            assertThat(events.findValues("kind").stream().filter(k -> k.asText().equals("instance.adopted")))
                    .hasSize(4);
            assertThat(events).anySatisfy(e -> assertThat(e.path("kind").asText()).isEqualTo("router.adopted"));
            // The re-adopted state works: rollback is still a warm switch.
            assertThat(h.ok("rollback", "demo", "-o", "json").json().path("message").asText()).contains("warm");
            traffic.stop();
            assertThat(traffic.failed()).as("failed requests: %s", traffic.failureSamples()).isZero();
        }
        assertThat(h.get()).isEqualTo("hello from demo v1");
    }
}
