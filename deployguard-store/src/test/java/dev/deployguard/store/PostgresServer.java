package dev.deployguard.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Test support: a real PostgreSQL server (Debian's package) in a temp directory on a free loopback port, run as the
 * {@code postgres} user when the tests run as root (initdb refuses root).
 *
 * <p>The server dies with the JVM that started it, even when that JVM is killed ({@code kill -9}, a CI timeout):
 * a watcher shell in its own session holds the read end of a pipe whose write end only this JVM holds (its stdin);
 * when the JVM dies the kernel closes the pipe, the watcher's {@code read} returns at end of file and it stops the
 * server and removes its directory. {@link #close()} stops the server itself and then ends the watcher.
 */
public final class PostgresServer implements AutoCloseable {
    /** The watcher: waits for end of file on stdin, then stops the server ($1 pg_ctl, $2 data dir) and removes $3. */
    /** The file beside the data directory naming the starting JVM: "PID START_EPOCH_MILLIS". */
    static final String OWNER = "owner";

    private static final String WATCHER = "read -r _ ; \"$@\" ; rm -rf -- \"$WATCHER_DIR\"";

    private final Path dir;
    private final Path bin;
    private final Process watcher;
    public final int port;

    private PostgresServer(Path dir, Path bin, Process watcher, int port) {
        this.dir = dir;
        this.bin = bin;
        this.watcher = watcher;
        this.port = port;
    }

    static Path findBin() {
        for (String v : List.of("17", "16", "15", "14", "13")) {
            Path p = Path.of("/usr/lib/postgresql", v, "bin");
            if (Files.isExecutable(p.resolve("pg_ctl"))) {
                return p;
            }
        }
        return null;
    }

    public static PostgresServer start() throws Exception {
        Path bin = findBin();
        if (bin == null) {
            throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql;"
                    + " install the Debian package 'postgresql'");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        reapOrphans(Path.of(System.getProperty("java.io.tmpdir")), bin, root);
        Path dir = Files.createTempDirectory("dg-pg");
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(dir.resolve(OWNER), self.pid() + " "
                + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n");
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        if (root) {
            run(List.of("chown", "-R", "postgres", dir.toString()), false);
        }
        Path data = dir.resolve("data");
        Process watcher = startWatcher(dir, bin, root);
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "--no-sync"), root);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                "-w", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"),
                root);
        return new PostgresServer(dir, bin, watcher, port);
    }

    /**
     * Starts the watcher before the server, so that no moment exists where a killed JVM leaves a server behind. It
     * runs under {@code setsid} so that a signal to the JVM's process group (as {@code timeout} sends) does not end
     * it before it has done its work; its output is discarded so that it never writes into a pipe nobody reads.
     */
    private static Process startWatcher(Path dir, Path bin, boolean root) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setsid", "sh", "-c", WATCHER, "dg-pg-watcher"));
        cmd.addAll(stopCommand(dir, bin, root));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("WATCHER_DIR", dir.toString());
        return pb.start();
    }

    private static List<String> stopCommand(Path dir, Path bin, boolean root) {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m",
                "immediate", "-w", "stop"));
        return full;
    }

    /**
     * The second line of defence, for a server whose watcher was killed too: stops the servers under {@code tmp}
     * whose starting JVM (pid and start time in {@value #OWNER}) no longer runs, and removes their directories.
     * Directories without that file (being created, or from before it was written) are left alone.
     */
    static void reapOrphans(Path tmp, Path bin, boolean root) throws IOException, InterruptedException {
        List<Path> dirs;
        try (var list = Files.list(tmp)) {
            dirs = list.filter(d -> d.getFileName().toString().startsWith("dg-pg") && Files.isDirectory(d)).toList();
        }
        for (Path d : dirs) {
            String[] owner;
            try {
                owner = Files.readString(d.resolve(OWNER)).strip().split(" ");
            } catch (IOException | SecurityException unreadable) {
                continue;
            }
            if (owner.length != 2 || ownerRuns(Long.parseLong(owner[0]), Long.parseLong(owner[1]))) {
                continue;
            }
            if (Files.exists(d.resolve("data").resolve("postmaster.pid"))) {
                try {
                    run(stopCommand(d, bin, root), false);
                } catch (IllegalStateException alreadyStopped) {
                    // pg_ctl found no running server: only the directory is left.
                }
            }
            try (var walk = Files.walk(d)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException goneMeanwhile) {
                // Another JVM's reaper, or the orphan's watcher, removed it first.
            }
        }
    }

    /** Whether process {@code pid}, started at {@code startMillis} (0: unknown), runs; unknown counts as running. */
    private static boolean ownerRuns(long pid, long startMillis) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty()) {
            return false;
        }
        Optional<Instant> started = h.get().info().startInstant();
        return startMillis == 0 || started.isEmpty() || started.get().toEpochMilli() == startMillis;
    }

    /** The data directory of the running server (its {@code postmaster.pid} names the server's pid). */
    public Path dataDir() {
        return dir.resolve("data");
    }

    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private static void run(List<String> cmd, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("command failed: " + full + "\n" + out);
        }
    }

    @Override
    public void close() throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), root);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // The server is stopped: end the watcher while it waits in read, before it could stop or remove anything.
            watcher.destroy();
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
