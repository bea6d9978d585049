package dev.deployguard.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        Path dir = Files.createTempDirectory("dg-pg");
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        boolean root = "root".equals(System.getProperty("user.name"));
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
