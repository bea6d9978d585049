package dev.deployguard.gitops.git;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Repositories made with the Debian {@code git} binary, the oracle the restore commit is checked against: a bare
 * repository (the remote), working clones that commit and push as people do, and a {@code git daemon} on
 * 127.0.0.1 to push over a real transport. Git runs with its own HOME so no user or system config leaks in.
 */
public final class GitFixture implements AutoCloseable {
    private final Path root;
    private final Path home;
    private Process daemon;
    private int daemonPort;
    private int commits;

    public GitFixture(Path root) throws IOException {
        this.root = root;
        this.home = Files.createDirectories(root.resolve("home"));
    }

    /** A new bare repository {@code name.git} with branch main, and a clone of it to commit in. */
    public Path bare(String name) throws IOException {
        Path bare = root.resolve("remotes").resolve(name + ".git");
        Files.createDirectories(bare.getParent());
        git(root, "init", "-q", "--bare", "-b", "main", bare.toString());
        return bare;
    }

    /** A working clone of {@code bare} (empty or not). */
    public Path clone(Path bare, String name) throws IOException {
        Path work = root.resolve("work").resolve(name);
        Files.createDirectories(work.getParent());
        git(root, "clone", "-q", bare.toUri().toString(), work.toString());
        return work;
    }

    /** Writes files (path, content pairs; null content deletes) and commits them; returns the commit's SHA. */
    public String commit(Path work, String message, String... pathsAndContents) throws IOException {
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            Path file = work.resolve(pathsAndContents[i]);
            if (pathsAndContents[i + 1] == null) {
                git(work, "rm", "-q", pathsAndContents[i]);
            } else {
                Files.createDirectories(file.getParent());
                Files.writeString(file, pathsAndContents[i + 1]);
                git(work, "add", pathsAndContents[i]);
            }
        }
        // Distinct, increasing dates: two commits in one second must not tie.
        String date = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * ++commits).toString();
        runGit(work, List.of("GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date), "commit", "-q", "-m", message);
        return git(work, "rev-parse", "HEAD").strip();
    }

    /** Runs git in {@code dir}; fails the test on a non-zero exit. Returns standard output. */
    public String git(Path dir, String... args) throws IOException {
        return runGit(dir, List.of(), args);
    }

    /** Runs git and returns its exit code (for {@code diff --quiet}). */
    public int exitOf(Path dir, String... args) throws IOException {
        return gitResult(dir, List.of(), args).exit;
    }

    private String runGit(Path dir, List<String> env, String... args) throws IOException {
        Result r = gitResult(dir, env, args);
        if (r.exit != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + " exited " + r.exit + ": " + r.out);
        }
        return r.out;
    }

    private record Result(int exit, String out) {
    }

    /** Runs another program ({@code ssh-keygen}, {@code ssh-add}) like git; fails the test on a non-zero exit. */
    public String run(Path dir, List<String> env, String program, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(program));
        cmd.addAll(List.of(args));
        Result r = exec(dir, env, cmd);
        if (r.exit != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit + ": " + r.out);
        }
        return r.out;
    }

    private Result gitResult(Path dir, List<String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        return exec(dir, env, cmd);
    }

    private Result exec(Path dir, List<String> env, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_AUTHOR_NAME", "Dev");
        pb.environment().put("GIT_AUTHOR_EMAIL", "dev@example.com");
        pb.environment().put("GIT_COMMITTER_NAME", "Dev");
        pb.environment().put("GIT_COMMITTER_EMAIL", "dev@example.com");
        for (String e : env) {
            int eq = e.indexOf('=');
            pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** A free loopback port (git daemon cannot be told to pick one). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code git daemon} on 127.0.0.1 serving the bare repositories, push enabled, on {@code port}; returns
     * once it accepts connections (bounded wait).
     */
    public void startDaemon(int port) throws IOException {
        Path base = root.resolve("remotes");
        Files.createDirectories(base);
        daemonPort = port;
        ProcessBuilder pb = new ProcessBuilder("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=" + port,
                "--base-path=" + base, "--export-all", "--enable=receive-pack", "--informative-errors",
                base.toString()).redirectErrorStream(true).redirectOutput(root.resolve("daemon.log").toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        daemon = pb.start();
        Instant until = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(until)) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!daemon.isAlive()) {
                    throw new IllegalStateException("git daemon exited: " + Files.readString(root.resolve("daemon.log")));
                }
                Thread.onSpinWait();
            }
        }
        throw new IllegalStateException("git daemon did not listen on 127.0.0.1:" + port + " within 20 s");
    }

    /** The git:// URL of bare repository {@code name} on the daemon. */
    public String daemonUrl(String name) {
        return "git://127.0.0.1:" + daemonPort + "/" + name + ".git";
    }

    /** Stops the daemon (connections to its port are then refused); a no-op when it is not running. */
    public void stopDaemon() {
        if (daemon != null) {
            daemon.destroy();
            try {
                if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                daemon.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            daemon = null;
        }
    }

    @Override
    public void close() {
        stopDaemon();
    }
}
