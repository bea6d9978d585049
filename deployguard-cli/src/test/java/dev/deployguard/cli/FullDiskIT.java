package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, full disk: the state directory lives on a real 16 MB tmpfs (mounted by the test; it needs root, as CI
 * has), which the test fills to the last byte while the real server process runs and traffic goes through the
 * router. Deploys and rollbacks are refused with a message that names the full disk (no stack trace), nothing is
 * half-written (history, events, routes as before), the router keeps serving, and once the filler is deleted the
 * next deploy works without restarting anything; a kill -9 and restart afterwards shows the same state.
 */
class FullDiskIT {
    @TempDir
    Path dir;
    Harness h;
    boolean mounted;

    @AfterEach
    void tearDown() throws Exception {
        System.clearProperty(ApiClient.TIMEOUT_PROPERTY);
        try {
            if (h != null) {
                Files.deleteIfExists(h.stateDir.resolve("filler"));
                h.close();
            }
        } finally {
            if (mounted) {
                run("umount", "-l", h.stateDir.toString());
            }
        }
    }

    @Test
    void aFullDiskRefusesWritesCleanlyKeepsServingAndRecoversWhenSpaceReturns() throws Exception {
        // Every CLI call below is bounded (CI once hung here for ever on a deploy that never answered): a call that
        // runs out of time fails the test with the server's thread dump instead.
        System.setProperty(ApiClient.TIMEOUT_PROPERTY, "60s");
        h = new Harness(dir, "", 1);
        // The default local.disk check wants 100 MB free; 1 MB lets deploys run on the 16 MB filesystem until
        // it is full, so that the store's own write path meets ENOSPC (and the check is tried too, below).
        h.writeSpec("", 1, Harness.java(), "127.0.0.1:" + h.listen, "checks: {disk: {minFree: 1MB}}");
        Files.createDirectories(h.stateDir);
        Run mount = run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", h.stateDir.toString());
        assertThat(mount.exit()).as("this test mounts a 16 MB tmpfs as the state directory, which needs root"
                + " (CAP_SYS_ADMIN): %s", mount.out()).isZero();
        mounted = true;

        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        h.ok("deploy", "demo", "--version", "v2");
        Snapshot before = snapshot();

        Path filler = h.stateDir.resolve("filler");
        try (SteadyTraffic traffic = new SteadyTraffic(h.app(), 4, 100)) {
            traffic.start();
            fill(filler);
            assertThat(h.stateDir.toFile().getUsableSpace()).as("free bytes after filling").isLessThan(4096);

            for (String[] write : List.of(new String[] {"deploy", "demo", "--version", "v3"},
                    new String[] {"deploy", "demo", "--version", "v3", "--skip-checks"},
                    new String[] {"rollback", "demo"})) {
                Harness.Run r = bounded(write);
                String said = r.err() + r.out();
                assertThat(r.exit()).as(String.join(" ", write) + " on a full disk: " + said).isNotZero();
                assertThat(said).as(String.join(" ", write)).containsAnyOf("No space left on device",
                        "free on the filesystem of " + h.stateDir.resolve("logs"));
                assertThat(said).as("no stack trace").doesNotContain("\tat ", "Exception");
            }
            Harness.Run refused = bounded("deploy", "demo", "--version", "v3", "--skip-checks");
            assertThat(refused.err()).contains("no space left on the disk holding "
                    + h.stateDir.resolve("deployguard.mv.db"));

            Files.delete(filler);
            long sentAtFree = traffic.sent();
            Harness.Run v3 = bounded("deploy", "demo", "--version", "v3");
            assertThat(v3.exit()).as("deploy v3 once there is space again: %s", v3.err()).isZero();
            Harness.await(java.time.Duration.ofSeconds(10), () -> traffic.sent() > sentAtFree + 100);
            traffic.stop();
            assertThat(traffic.failed()).as("requests failed through the router: %s", traffic.failureSamples())
                    .isZero();
            assertThat(traffic.sent()).isGreaterThan(200);
        }

        Snapshot after = snapshot();
        List<String> expected = new ArrayList<>(before.history());
        expected.replaceAll(r -> r.replace("DEPLOYED", "SUPERSEDED"));
        assertThat(after.history().subList(0, expected.size())).as("history kept, nothing half-written")
                .isEqualTo(expected);
        assertThat(after.history()).hasSize(expected.size() + 1).last().asString().endsWith(" v3 DEPLOYED");
        assertThat(after.events()).as("no acknowledged event lost").containsAll(before.events());
        assertThat(h.get()).contains("v3");

        h.killServer();
        h.startServer();
        Snapshot restarted = snapshot();
        assertThat(restarted.history()).as("history after a kill -9").isEqualTo(after.history());
        assertThat(restarted.events()).containsAll(after.events());
        assertThat(restarted.status().path("routes")).isEqualTo(after.status().path("routes"));

        String log = Harness.read(dir.resolve("server-0.log"));
        assertThat(log).as("the server says why it cannot write").contains("no space left on the disk holding");
        assertThat(log).as("no stack trace in the server log").doesNotContain("\tat ");
    }

    /**
     * Runs the CLI; if the control plane did not answer in time (exit 5, "did not answer"), fails with its thread dump,
     * which shows where it is stuck.
     */
    private Harness.Run bounded(String... args) throws IOException, InterruptedException {
        Harness.Run r = h.cli(args);
        if (r.exit() == 5 && r.err().contains("did not answer")) {
            Run dump = run(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                    Long.toString(h.serverPid()));
            throw new AssertionError(String.join(" ", args) + ": " + r.err() + "\nthe server's threads:\n"
                    + dump.out());
        }
        return r;
    }

    /** Writes zeros until the filesystem refuses (ENOSPC): the disk is then full for real. */
    private static void fill(Path filler) {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
    }

    record Snapshot(JsonNode status, List<String> history, List<String> events) {
    }

    private Snapshot snapshot() {
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        List<String> history = new ArrayList<>();
        h.ok("history", "demo", "-o", "json").json().path("releases").forEach(r -> history.add(
                r.path("revision").asInt() + " " + r.path("version").asText() + " " + r.path("status").asText()));
        List<String> events = new ArrayList<>();
        ApiClient.forStateDir(h.stateDir, null, "test").get("/api/events?limit=10000").path("events")
                .forEach(e -> events.add(e.path("id").asLong() + "|" + e.path("kind").asText()));
        return new Snapshot(status, history, events);
    }

    record Run(int exit, String out) {
    }

    private static Run run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, "timed out: " + String.join(" ", cmd));
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }
}
