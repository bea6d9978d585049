package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.store.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of write the control plane acknowledges survives a kill -9 that follows the answer at once: deploy,
 * rollback, incident, each canary step, the rollout's ending, the supervisor's restart of a killed instance, and
 * with each the route generation, the instance set and the release of the app's lock. The real server process, on
 * the embedded H2 store and on a real PostgreSQL 15.
 *
 * <p>After each write the test reads what the API says (the acknowledged state), kills the server with SIGKILL,
 * starts a new one on the same store and compares. The H2 store is opened with a one-second RETENTION_TIME so
 * that H2 starts writing into reused file space within the test, as a control plane does after 45 s: that is where
 * H2 2.5.252 lost the newest commits (issue 19).
 */
class DurabilityIT {
    static final String CANARY = """
            strategy:
              canary:
                steps:
                  - setWeight: 30
                  - pause: {}
                  - setWeight: 60
                  - pause: {}
                bake: 1s
                analysis: {latency: false}
            """;

    @TempDir
    Path dir;
    Harness h;
    PostgresServer pg;
    /** Every pid any status showed: killed at the end, since a PostgreSQL store is not where Harness looks. */
    final Set<Long> pids = new TreeSet<>();

    @AfterEach
    void tearDown() throws Exception {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        if (h != null) {
            h.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillMinus9OnTheEmbeddedStore() throws Exception {
        h = new Harness(dir, "", 1);
        h.serverArgs.addAll(List.of("--store-url", "jdbc:h2:async:" + h.stateDir.toAbsolutePath().resolve("deployguard")
                + ";DB_CLOSE_DELAY=0;WRITE_DELAY=0;RETENTION_TIME=1000"));
        writeKillAndCheckEachKind();
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillMinus9OnPostgresql() throws Exception {
        pg = PostgresServer.start();
        h = new Harness(dir, "", 1);
        h.serverArgs.addAll(List.of("--store-url", pg.url(), "--store-user", "postgres"));
        writeKillAndCheckEachKind();
    }

    private void writeKillAndCheckEachKind() throws Exception {
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        killRestartAndCompare("first deploy");
        h.ok("deploy", "demo", "--version", "v2");
        killRestartAndCompare("second deploy");
        h.ok("rollback", "demo");
        killRestartAndCompare("rollback");
        h.ok("incident", "open", "demo", "--title", "checkout slow");
        killRestartAndCompare("incident");

        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, CANARY);
        h.ok("deploy", "demo", "--version", "v4");
        assertThat(rollout().path("weight").asInt()).isEqualTo(3000);
        killRestartAndCompare("canary start at 30%");
        h.ok("promote", "demo");
        assertThat(rollout().path("weight").asInt()).isEqualTo(6000);
        killRestartAndCompare("canary step to 60%");
        h.ok("promote", "demo", "--full");
        Harness.await(Duration.ofSeconds(60), () -> rollout().path("phase").asText().equals("SUCCEEDED"));
        Snapshot ended = killRestartAndCompare("canary ending");
        assertThat(ended.history()).last().asString().endsWith("DEPLOYED");

        // The supervisor restarts a killed instance of the serving release; that restart (new pid, new port, a
        // new route generation) is a write of its own.
        JsonNode serving = servingInstance(ended.status());
        ProcessHandle.of(serving.path("pid").asLong()).orElseThrow().destroyForcibly();
        Harness.await(Duration.ofSeconds(30), () -> events().stream().anyMatch(e -> e.contains("instance.restarted")));
        Snapshot restarted = killRestartAndCompare("instance restart");
        assertThat(servingInstance(restarted.status()).path("pid").asLong())
                .isNotEqualTo(serving.path("pid").asLong());
        // Stopped instances of superseded revisions stay stopped: proof that the supervisor ran after the last
        // restart is a second instance kill it noticed.
        JsonNode again = servingInstance(restarted.status());
        ProcessHandle.of(again.path("pid").asLong()).orElseThrow().destroyForcibly();
        Harness.await(Duration.ofSeconds(30), () -> events().stream()
                .filter(e -> e.contains("instance.restarted")).count() >= 2);
        List<String> restartedRevisions = events().stream()
                .filter(e -> e.contains("instance.restarted") || e.contains("instance.crashed")).toList();
        int deployed = restarted.status().path("serving").path("revision").asInt();
        assertThat(restartedRevisions).allMatch(e -> e.startsWith(deployed + "|"),
                "only revision " + deployed + " (serving) had instances to restart");
        snapshot(); // records the last restart's pid for tearDown
    }

    /** What the API says right after a write was acknowledged. */
    record Snapshot(JsonNode status, List<String> history, List<String> events, List<String> incidents) {
    }

    private Snapshot snapshot() {
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        status.path("instances").forEach(i -> pids.add(i.path("pid").asLong()));
        if (status.path("router").hasNonNull("pid")) {
            pids.add(status.path("router").path("pid").asLong());
        }
        List<String> history = new ArrayList<>();
        h.ok("history", "demo", "-o", "json").json().path("releases").forEach(r -> history.add(
                r.path("revision").asInt() + " " + r.path("version").asText() + " " + r.path("status").asText()));
        List<String> incidents = new ArrayList<>();
        api().get("/api/incidents").path("incidents").forEach(i -> incidents.add(i.path("id").asLong() + " "
                + i.path("title").asText() + " " + i.path("closedAt").asText()));
        return new Snapshot(status, history, events(), incidents);
    }

    /** kill -9 of the control plane right after the write was answered, a new one, and the same state. */
    private Snapshot killRestartAndCompare(String write) throws Exception {
        Snapshot before = snapshot();
        h.killServer();
        h.startServer();
        Snapshot after = snapshot();
        String as = "after kill -9 following the " + write;
        assertThat(after.history()).as(as + ": history").isEqualTo(before.history());
        assertThat(after.events()).as(as + ": events").containsAll(before.events());
        assertThat(after.incidents()).as(as + ": incidents").isEqualTo(before.incidents());
        assertThat(after.status().path("routes")).as(as + ": routes (generation and tracks)")
                .isEqualTo(before.status().path("routes"));
        assertThat(instanceSet(after.status())).as(as + ": instances").isEqualTo(instanceSet(before.status()));
        JsonNode r0 = before.status().path("rollout");
        JsonNode r1 = after.status().path("rollout");
        for (String field : List.of("id", "canaryRevision", "phase", "stepIndex", "weight")) {
            assertThat(r1.path(field)).as(as + ": rollout " + field).isEqualTo(r0.path(field));
        }
        assertThat(before.status().path("lock").isNull()).as("lock held after the answer: %s",
                before.status().path("lock")).isTrue();
        assertThat(after.status().path("lock").isNull()).as(as + ": lock").isTrue();
        String started = after.events().stream().filter(e -> e.contains("|controlplane.started|"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(started).as(as + ": the app lock's release was stored, so none was left to release")
                .doesNotContain("released");
        return after;
    }

    private static Set<String> instanceSet(JsonNode status) {
        Set<String> out = new TreeSet<>();
        status.path("instances").forEach(i -> out.add(i.path("revision").asInt() + "/" + i.path("index").asInt()
                + " pid " + i.path("pid").asLong() + " port " + i.path("port").asInt()));
        return out;
    }

    private static JsonNode servingInstance(JsonNode status) {
        int revision = status.path("serving").path("revision").asInt();
        for (JsonNode i : status.path("instances")) {
            if (i.path("revision").asInt() == revision) {
                return i;
            }
        }
        throw new AssertionError("no instance of the serving revision " + revision + " in " + status);
    }

    private JsonNode rollout() {
        return h.ok("status", "demo", "-o", "json").json().path("rollout");
    }

    /** Every event, as "revision|id|kind|message". */
    private List<String> events() {
        List<String> out = new ArrayList<>();
        api().get("/api/events?limit=10000").path("events").forEach(e -> out.add(e.path("revision").asText() + "|"
                + e.path("id").asLong() + "|" + e.path("kind").asText() + "|" + e.path("message").asText()));
        return out;
    }

    private ApiClient api() {
        return ApiClient.forStateDir(h.stateDir, null, "test");
    }
}
