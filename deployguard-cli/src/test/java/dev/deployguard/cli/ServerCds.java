package dev.deployguard.cli;

import dev.deployguard.local.process.Ports;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A class-data-sharing archive (dynamic AppCDS, as the {@code deployguard} launcher keeps one for the CLI) for the
 * control planes the end-to-end tests start: dozens of them (DurabilityIT alone 20), each loading and verifying the
 * same classes. An idle control plane's first 12 s took 2.5–3.0 s of CPU (user + system), 1.6–1.8 s with the
 * archive (docs/benchmarks.md, "CI time").
 *
 * <p>Written once per distribution jar (its size and time in the file name, under {@code target/test-cds}) by a
 * training run: a control plane started with {@code -XX:ArchiveClassesAtExit}, asked one API question, then stopped
 * with SIGTERM (the JVM writes the archive as it exits). It is written under a temporary name, checked by mapping it
 * ({@code -Xshare:on} fails on an archive the JVM cannot use) and only then moved into place, under a file lock, so
 * the other test fork never maps a half-written file. Anything failing on the way means no archive: the control
 * planes then start as before, and {@code -Xshare:auto} also skips an archive the JVM finds unusable. Class data
 * sharing changes where class metadata comes from, never what the code does.
 */
final class ServerCds {
    private static Optional<Path> archive;

    private ServerCds() {
    }

    /** The JVM options that map the archive, or none when there is no usable archive (or no distribution jar). */
    static synchronized List<String> options() {
        if (archive == null) {
            archive = create();
        }
        return archive.map(a -> List.of("-XX:SharedArchiveFile=" + a, "-Xshare:auto")).orElse(List.of());
    }

    @SuppressWarnings("try") // the lock is held for the try's body, never read
    private static Optional<Path> create() {
        Path jar = Path.of("target", "deployguard.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            return Optional.empty(); // the class path of the test JVM: nothing stable to archive
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-cds").toAbsolutePath());
            String key = "server-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis();
            Path jsa = dir.resolve(key + ".jsa");
            Path ok = dir.resolve(key + ".ok");
            Path failed = dir.resolve(key + ".failed");
            try (FileChannel channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                if (Files.exists(ok) && Files.exists(jsa)) {
                    return Optional.of(jsa);
                }
                if (Files.exists(failed)) {
                    return Optional.empty();
                }
                if (train(jar, jsa)) {
                    Files.writeString(ok, "");
                    return Optional.of(jsa);
                }
                Files.writeString(failed, "");
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static boolean train(Path jar, Path jsa) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("dg-server-cds");
        Path tmp = jsa.resolveSibling(jsa.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Process server = null;
        try {
            Path state = work.resolve("state");
            Path spec = work.resolve("deployguard.yaml");
            Files.writeString(spec, """
                    apps:
                      demo:
                        platform:
                          local:
                            command: ["%s", "-cp", "%s", "dev.deployguard.demo.DemoApp", "--port", "${port}"]
                            listen: "127.0.0.1:%d"
                    """.formatted(Harness.java(), jar, Ports.freeLoopbackPort()));
            List<String> cmd = new ArrayList<>(List.of(Harness.java()));
            cmd.addAll(Harness.SERVER_JVM_OPTIONS);
            cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + tmp, "-cp", jar.toString(),
                    DeployGuard.class.getName(), "--state-dir", state.toString(), "server", "-f", spec.toString(),
                    "--listen", "127.0.0.1:0"));
            server = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("server.log").toFile()).start();
            Process running = server;
            try {
                Harness.await(Duration.ofSeconds(120), () -> !running.isAlive()
                        || Files.exists(state.resolve("server.json")));
            } catch (AssertionError e) {
                return false;
            }
            if (!server.isAlive()) {
                return false;
            }
            try {
                ApiClient.forStateDir(state, null, "cds-training").get("/api/apps/demo/status");
            } catch (RuntimeException e) {
                // the classes an answer needs are what matters here, not the answer
            }
            server.destroy(); // SIGTERM: the JVM writes the archive on its way out
            if (!server.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || Files.size(tmp) == 0) {
                return false;
            }
            List<String> check = new ArrayList<>(List.of(Harness.java()));
            check.addAll(Harness.SERVER_JVM_OPTIONS);
            check.addAll(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + tmp, "-cp", jar.toString(),
                    DeployGuard.class.getName(), "--version"));
            Process p = new ProcessBuilder(check).redirectErrorStream(true)
                    .redirectOutput(work.resolve("check.log").toFile()).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return false;
            }
            Files.move(tmp, jsa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            Files.deleteIfExists(tmp);
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
