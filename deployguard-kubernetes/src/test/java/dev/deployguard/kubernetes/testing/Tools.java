package dev.deployguard.kubernetes.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test support: finds the real kubectl and helm binaries (fetched by {@code scripts/k8s-tools.sh}, run here when they
 * are missing) and runs them against a {@link MockCluster} with a private HOME and a hard timeout.
 */
public final class Tools {
    private static final long TIMEOUT_SECONDS = 60;
    private static Path dir;

    private Tools() {
    }

    /** Output of one binary run. */
    public record Result(int exit, String stdout, String stderr) {
        public Result orFail() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + ": " + stderr + stdout);
            }
            return this;
        }
    }

    /** The directory holding {@code kubectl} and {@code helm}, or null when they cannot be had. */
    public static synchronized Path dir() {
        if (dir == null) {
            dir = locate();
        }
        return dir;
    }

    public static boolean available() {
        return dir() != null;
    }

    public static Result kubectl(MockCluster cluster, String... args) {
        return run(cluster, "kubectl", args);
    }

    public static Result helm(MockCluster cluster, String... args) {
        return run(cluster, "helm", args);
    }

    private static Result run(MockCluster cluster, String binary, String... args) {
        Path tools = dir();
        if (tools == null) {
            throw new IllegalStateException("kubectl/helm not found; run scripts/k8s-tools.sh");
        }
        List<String> command = new ArrayList<>();
        command.add(tools.resolve(binary).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Path home = cluster.home();
        pb.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("HELM_CACHE_HOME", home.resolve("helm-cache").toString());
        pb.environment().put("HELM_CONFIG_HOME", home.resolve("helm-config").toString());
        pb.environment().put("HELM_DATA_HOME", home.resolve("helm-data").toString());
        try {
            Path out = Files.createTempFile(home, binary, ".out");
            Path err = Files.createTempFile(home, binary, ".err");
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(binary + " " + String.join(" ", args) + " did not finish in "
                        + TIMEOUT_SECONDS + " s: " + Files.readString(err));
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path locate() {
        String env = System.getenv("DEPLOYGUARD_TOOLS");
        Path home = Path.of(System.getProperty("user.home"), ".cache", "deployguard", "tools");
        Path candidate = env != null ? Path.of(env) : home;
        if (usable(candidate)) {
            return candidate;
        }
        Path script = findScript();
        if (script == null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(script.toString()).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0 && usable(Path.of(printed))) {
                return Path.of(printed);
            }
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean usable(Path d) {
        return Files.isExecutable(d.resolve("kubectl")) && Files.isExecutable(d.resolve("helm"));
    }

    private static Path findScript() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("scripts").resolve("k8s-tools.sh");
            if (Files.isExecutable(s)) {
                return s;
            }
        }
        return null;
    }
}
