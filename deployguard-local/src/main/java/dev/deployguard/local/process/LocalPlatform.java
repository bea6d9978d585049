package dev.deployguard.local.process;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.spec.StopSignal;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one-host platform: runs each instance of a release as an OS process on a free loopback port, in its own
 * session (so it outlives the control plane and a Ctrl-C in its terminal), with output captured to a log file.
 * Stateless: what runs where is recorded by the caller.
 */
public final class LocalPlatform {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path KILL = Path.of("/bin/kill");
    private static final List<String> INHERITED_ENV =
            List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME");

    private final Path stateDir;
    private final Path logDir;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(500))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    public LocalPlatform(Path stateDir, Clock clock) {
        this.stateDir = stateDir.toAbsolutePath();
        this.logDir = stateDir.resolve("logs");
        this.clock = clock;
    }

    /** Starts instance {@code index} of a release; does not wait for readiness. */
    public Instance start(Release release, LocalPlatformSpec spec, int index) {
        int port = Ports.freeLoopbackPort();
        List<String> command = release.resolvedCommand(port);
        Path executable = resolveExecutable(command.get(0), spec.workingDir(), release);
        Path log = logDir.resolve(release.app()).resolve(
                release.app() + "-r" + release.revision() + "-i" + index + "-" + clock.millis() + ".log");
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            argv.add(SETSID.toString());
        }
        argv.add(executable.toString());
        argv.addAll(command.subList(1, command.size()));
        try {
            Files.createDirectories(log.getParent());
            var pb = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (spec.workingDir() != null) {
                pb.directory(spec.workingDir().toFile());
            }
            Map<String, String> env = pb.environment();
            Map<String, String> inherited = new java.util.HashMap<>(env);
            env.clear();
            INHERITED_ENV.forEach(k -> {
                if (inherited.containsKey(k)) {
                    env.put(k, inherited.get(k));
                }
            });
            env.putAll(release.resolvedEnv(port));
            env.put("PORT", Integer.toString(port));
            env.put("DEPLOYGUARD_APP", release.app());
            env.put("DEPLOYGUARD_VERSION", release.version());
            env.put("DEPLOYGUARD_REVISION", Integer.toString(release.revision()));
            // So a later control plane can find this process even if the store never learned of it.
            env.put(StartedProcesses.STATE_DIR, stateDir.toString());
            env.put(StartedProcesses.INSTANCE, Integer.toString(index));
            Process p = pb.start();
            Instant processStart = p.info().startInstant().orElse(null);
            return new Instance(release.app(), release.revision(), index, p.pid(), processStart, port,
                    log.toString(), clock.instant());
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.DEPLOY_FAILED, "cannot start " + release.app() + " "
                    + release.version() + " instance " + index + ": " + e.getMessage(), e);
        }
    }

    /**
     * Finds the program the way a shell would (a path relative to the working directory, or a name on PATH) and
     * fails before anything starts if it is missing, naming the spec field to fix.
     */
    public static Path resolveExecutable(String program, Path workingDir, Release release) {
        Path found = null;
        if (program.contains("/")) {
            Path p = Path.of(program);
            if (!p.isAbsolute() && workingDir != null) {
                p = workingDir.resolve(p);
            }
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                found = p;
            }
        } else {
            String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            for (String dir : path.split(":")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    found = p;
                    break;
                }
            }
        }
        if (found == null) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "the command of " + release.app() + " "
                    + release.version() + " cannot run: '" + program + "' is not an executable file"
                    + (program.contains("/") ? " (resolved against " + workingDir + ")" : " on PATH")
                    + "; fix apps." + release.app() + ".platform.local.command[0]");
        }
        return found;
    }

    /**
     * The instance processes of {@code app} that this state directory's platform started and that still run, as
     * instances (log file unknown), whether or not the store records them.
     */
    public List<Instance> running(String app) {
        return StartedProcesses.of(stateDir.toString(), app).stream()
                .map(f -> new Instance(app, f.revision(), f.index(), f.pid(), f.processStart(), f.port(), null,
                        f.processStart() == null ? clock.instant() : f.processStart()))
                .toList();
    }

    /** True if the recorded process is still the one we started (same PID and start time). */
    public boolean isAlive(Instance instance) {
        return handle(instance.pid(), instance.processStart()).isPresent();
    }

    public static Optional<ProcessHandle> handle(long pid, Instant processStart) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isPresent() && processStart != null) {
            Optional<Instant> actual = h.get().info().startInstant();
            // Start instants come from /proc with clock-tick resolution; allow a little slack.
            if (actual.isPresent() && Duration.between(actual.get(), processStart).abs().toMillis() > 1000) {
                return Optional.empty();
            }
        }
        return h;
    }

    /** One readiness probe: GET http://127.0.0.1:port/path answered 2xx. */
    public boolean probe(Instance instance, String path, Duration timeout) {
        try {
            var req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                    .timeout(timeout).GET().build();
            int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status >= 200 && status < 300;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Outcome of waiting for readiness. */
    public record Readiness(boolean ready, String reason) {
    }

    /**
     * Waits until every instance answers its readiness probe, one exits, {@code timeout} passes, or
     * {@code cancelled} says stop. Polls at the spec's interval.
     */
    public Readiness awaitReady(List<Instance> instances, LocalPlatformSpec.Readiness readiness, Duration timeout,
                                BooleanSupplier cancelled) {
        Instant deadline = clock.instant().plus(timeout);
        List<Instance> pending = new ArrayList<>(instances);
        Duration probeTimeout = readiness.interval().multipliedBy(4).compareTo(Duration.ofSeconds(2)) > 0
                ? Duration.ofSeconds(2) : readiness.interval().multipliedBy(4).plusMillis(100);
        while (true) {
            pending.removeIf(i -> probe(i, readiness.path(), probeTimeout));
            if (pending.isEmpty()) {
                return new Readiness(true, "all " + instances.size() + " instance(s) ready");
            }
            for (Instance i : pending) {
                if (!isAlive(i)) {
                    return new Readiness(false, "instance " + i.index() + " (pid " + i.pid() + ") exited before it"
                            + " became ready; last log lines:\n" + logTail(i, 10));
                }
            }
            if (cancelled.getAsBoolean()) {
                return new Readiness(false, "cancelled");
            }
            if (!clock.instant().isBefore(deadline)) {
                Instance first = pending.get(0);
                return new Readiness(false, pending.size() + " of " + instances.size() + " instance(s) not ready"
                        + " after " + dev.deployguard.spec.Durations.format(timeout) + " (GET " + readiness.path()
                        + " on port " + first.port() + " did not answer 2xx); last log lines of instance "
                        + first.index() + ":\n" + logTail(first, 10));
            }
            sleep(readiness.interval());
        }
    }

    /** Sends the stop signal to the instance's process group, then SIGKILL after the grace period. */
    public void stop(Instance instance, LocalPlatformSpec.Stop stop) {
        Optional<ProcessHandle> h = handle(instance.pid(), instance.processStart());
        if (h.isEmpty()) {
            return;
        }
        ProcessHandle process = h.get();
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        signal(instance.pid(), stop.signal().name());
        try {
            process.onExit().get(stop.gracePeriod().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            signal(instance.pid(), "KILL");
            process.destroyForcibly();
            try {
                process.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Reported by isAlive on the next look.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // onExit does not fail.
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Kills at once (used for orphans and tests). */
    public void kill(Instance instance) {
        signal(instance.pid(), "KILL");
        handle(instance.pid(), instance.processStart()).ifPresent(ProcessHandle::destroyForcibly);
    }

    private static void signal(long pid, String signal) {
        boolean groupLeader = Files.isExecutable(SETSID);
        if (Files.isExecutable(KILL)) {
            List<String> argv = List.of(KILL.toString(), "-s", signal, "--", (groupLeader ? "-" : "") + pid);
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return;
                }
            } catch (IOException e) {
                // Fall back to the JDK below.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ProcessHandle.of(pid).ifPresent(h -> {
            if ("KILL".equals(signal)) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        });
    }

    /** The last {@code lines} lines of an instance's log, for error messages. */
    public static String logTail(Instance instance, int lines) {
        Path log = Path.of(instance.logFile());
        try (var f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 4096);
            f.seek(from);
            byte[] buf = new byte[(int) (len - from)];
            f.readFully(buf);
            List<String> all = new String(buf, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
            var sb = new StringBuilder();
            for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
                sb.append("    | ").append(line).append('\n');
            }
            return sb.length() == 0 ? "    | (the instance wrote nothing to its log " + log + ")"
                    : sb.toString().stripTrailing();
        } catch (IOException e) {
            return "    | (no log at " + log + ")";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
