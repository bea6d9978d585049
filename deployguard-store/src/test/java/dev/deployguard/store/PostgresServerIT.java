package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL server started by the test support dies with the JVM that started it, even when that JVM is killed
 * with SIGKILL (a CI timeout, {@code kill -9}): before, every killed test JVM left a postgres behind on the machine.
 */
class PostgresServerIT {

    /** Child JVM: starts a server, prints its data directory, then waits to be killed. */
    public static final class Holder {
        private Holder() {
        }

        public static void main(String[] args) throws Exception {
            PostgresServer pg = PostgresServer.start();
            System.out.println(pg.dataDir());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void serverStopsAndDirectoryGoesWhenTheStartingJvmIsKilled() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), Holder.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path data = null;
        long postmaster = -1;
        try {
            String line;
            try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                line = in.readLine();
            }
            assertThat(line).as("the child JVM printed no data directory (exit %s)",
                    child.isAlive() ? "still running" : child.exitValue()).isNotNull();
            data = Path.of(line.strip());
            postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
            Optional<ProcessHandle> server = ProcessHandle.of(postmaster);
            assertThat(server).as("postmaster %d runs", postmaster).isPresent();
            assertThat(server.get().info().command().orElse("")).contains("postgres");

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
            child.waitFor();

            // Bounded wait for the event (the server gone, its directory removed), not for a time.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((alive(postmaster) || Files.exists(data.getParent())) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(alive(postmaster)).as("postmaster %d still runs after its JVM was killed", postmaster)
                    .isFalse();
            assertThat(data.getParent()).as("the server's directory is removed").doesNotExist();
        } finally {
            child.destroyForcibly();
            stopIfAlive(postmaster, data);
        }
    }

    /**
     * The second line of defence: when the watcher is killed too (before the JVM), the next start reaps the server,
     * as its JVM no longer runs; a server whose JVM runs (this one's) is left alone.
     */
    @Test
    void aServerWhoseWatcherAndJvmWereKilledIsReapedByTheNextStart() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), Holder.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path data = null;
        long postmaster = -1;
        try (PostgresServer mine = PostgresServer.start()) {
            String line;
            try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                line = in.readLine();
            }
            assertThat(line).as("the child JVM printed no data directory").isNotNull();
            data = Path.of(line.strip());
            postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
            List<ProcessHandle> watchers = child.children().toList();
            assertThat(watchers).as("the child JVM's only child process is its server's watcher").hasSize(1);
            watchers.get(0).destroyForcibly();
            watchers.get(0).onExit().get();
            child.destroyForcibly();
            child.waitFor();
            assertThat(alive(postmaster)).as("with its watcher killed first, the server outlived its JVM").isTrue();

            PostgresServer.reapOrphans(data.getParent().getParent(), PostgresServer.findBin(),
                    "root".equals(System.getProperty("user.name")));

            assertThat(alive(postmaster)).as("postmaster %d reaped", postmaster).isFalse();
            assertThat(data.getParent()).doesNotExist();
            long myPostmaster = Long.parseLong(Files.readAllLines(mine.dataDir().resolve("postmaster.pid")).get(0)
                    .strip());
            assertThat(alive(myPostmaster)).as("the server of a running JVM is left alone").isTrue();
        } finally {
            child.destroyForcibly();
            stopIfAlive(postmaster, data);
        }
    }

    /** Alive and not a zombie (a stopped server stays one until its new parent reaps it). */
    private static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    /** A test that failed does not leave its server behind itself. */
    private static void stopIfAlive(long postmaster, Path data) throws Exception {
        if (postmaster > 0 && alive(postmaster) && data != null) {
            List<String> stop = List.of(PostgresServer.findBin().resolve("pg_ctl").toString(), "-D",
                    data.toString(), "-m", "immediate", "-w", "stop");
            new ProcessBuilder("root".equals(System.getProperty("user.name"))
                    ? concat(List.of("runuser", "-u", "postgres", "--"), stop) : stop)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            new ProcessBuilder("rm", "-rf", "--", data.getParent().toString()).start().waitFor();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
