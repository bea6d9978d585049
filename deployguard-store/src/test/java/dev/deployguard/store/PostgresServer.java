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
 */
public final class PostgresServer implements AutoCloseable {
    private final Path dir;
    private final Path bin;
    public final int port;

    private PostgresServer(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
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
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "--no-sync"), root);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
                "-w", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"),
                root);
        return new PostgresServer(dir, bin, port);
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
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
