package dev.deployguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.json.Json;
import dev.deployguard.local.process.Ports;
import dev.deployguard.store.JdbcStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Test support for end-to-end tests: a real control plane in its own OS process (the shaded distribution jar when
 * it exists, else the test class path), the example app as real processes, CLI commands run in-process.
 */
final class Harness implements AutoCloseable {
    final Path dir;
    final Path stateDir;
    final Path spec;
    final int listen;
    private Process server;
    private final List<Long> serverPids = new ArrayList<>();
    /** Environment added to the control plane's (e.g. notification secrets named by urlEnv/tokenEnv). */
    final java.util.Map<String, String> serverEnv = new java.util.HashMap<>();
    /** Extra environment of the app's instances, written into the spec by {@link #writeSpec}. */
    final java.util.Map<String, String> appEnv = new java.util.TreeMap<>();
    /** Arguments added to {@code server} (e.g. {@code --store-url}). */
    final List<String> serverArgs = new ArrayList<>();

    Harness(Path dir, String behaviour, int instances) throws IOException {
        this.dir = dir;
        this.stateDir = dir.resolve("state");
        this.listen = Ports.freeLoopbackPort();
        this.spec = dir.resolve("deployguard.yaml");
        writeSpec(behaviour, instances, java(), "127.0.0.1:" + listen);
    }

    /**
     * WHO the CLI's commands are recorded as: the token's name ({@code admin} for the state directory's api.token),
     * with the OS user the CLI sends beside it.
     */
    static String actor() {
        return "admin (for " + System.getProperty("user.name") + ")";
    }

    /**
     * JVM options of the control planes the tests start: the launcher's heap and GC ({@code deployguard}), and the
     * quick JIT only (C1, {@code -XX:TieredStopAtLevel=1}). A test's control plane lives for seconds to a few minutes
     * and mostly waits; the optimising compiler took about a third of its CPU (CanaryIT's control planes: 7.9 s of
     * CPU each on average with C2, 5.3 s with C1 only; docs/benchmarks.md "CI time"), CPU the other test fork needs
     * on a 2-core machine. The JIT level changes how fast code runs, never what it does. {@link ServerCds} adds the
     * class-data archive.
     */
    static final List<String> SERVER_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    /** JVM options of the CLI commands the tests run as processes: the launcher's for a short command (C1 only). */
    static final List<String> CLI_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    static String classPath() {
        Path jar = Path.of("target", "deployguard.jar");
        return Files.exists(jar) ? jar.toAbsolutePath().toString() : System.getProperty("java.class.path");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    void writeSpec(String behaviour, int instances, String program, String listenAddress) throws IOException {
        writeSpec(behaviour, instances, program, listenAddress, "");
    }

    /** @param strategy YAML of the app's strategy block, indented for the app level, or empty */
    void writeSpec(String behaviour, int instances, String program, String listenAddress, String strategy)
            throws IOException {
        Files.writeString(spec, """
                apps:
                  demo:
                    platform:
                      local:
                        command: ["%s", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                                  "-cp", "%s", "dev.deployguard.demo.DemoApp", "--port", "${port}",
                                  "--version", "${version}"]
                        env: {DEMO_BEHAVIOUR: "%s"%s}
                        instances: %d
                        listen: "%s"
                        readiness: {path: /ready, timeout: 20s, interval: 100ms}
                        stop: {gracePeriod: 3s}
                """.formatted(program, classPath(), behaviour, extraAppEnv(), instances, listenAddress)
                + strategy.indent(4));
    }

    private String extraAppEnv() {
        StringBuilder out = new StringBuilder();
        appEnv.forEach((k, v) -> out.append(", ").append(k).append(": \"").append(v).append('"'));
        return out.toString();
    }

    /** Adds {@code yaml} (one {@code key: value} line) to the app's {@code platform.local} block of the spec. */
    void addLocalSetting(String yaml) throws IOException {
        String text = Files.readString(spec);
        String anchor = "        stop: {gracePeriod: 3s}\n";
        if (!text.contains(anchor)) {
            throw new IllegalStateException("no platform.local block in " + spec + ":\n" + text);
        }
        Files.writeString(spec, text.replace(anchor, anchor + "        " + yaml.strip() + "\n"));
    }

    /** The pid of the running control plane this harness started. */
    long serverPid() {
        return server.pid();
    }

    /** Starts {@code deployguard server} as a child process and waits until its API answers. */
    void startServer() throws Exception {
        Files.createDirectories(stateDir);
        Files.deleteIfExists(stateDir.resolve("server.json"));
        Path log = dir.resolve("server-" + serverPids.size() + ".log");
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(SERVER_JVM_OPTIONS);
        cmd.addAll(ServerCds.options());
        cmd.addAll(List.of("-cp", classPath(), DeployGuard.class.getName(), "--state-dir", stateDir.toString(),
                "server", "-f", spec.toString(), "--listen", "127.0.0.1:0"));
        cmd.addAll(serverArgs);
        var pb = new ProcessBuilder(cmd);
        pb.environment().putAll(serverEnv);
        server = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        serverPids.add(server.pid());
        // A hang guard, not a timing claim: the server writes server.json when its API answers, and a 2-core
        // machine running other builds beside the suite has taken more than 60 s to get there (load 40).
        // A file and a process looked at (cheap): every 50 ms all along, the tests start dozens of control planes.
        await(Duration.ofSeconds(180), Duration.ofSeconds(180), () -> {
            if (!server.isAlive()) {
                throw new AssertionError("server exited: " + read(log));
            }
            return Files.exists(stateDir.resolve("server.json"));
        });
    }

    /**
     * kill -9 of the control plane, proof that users are still served without it (200 more requests answered
     * while it is down), then a new control plane on the same state.
     */
    void killServerUnderTrafficAndRestart(dev.deployguard.local.load.SteadyTraffic traffic) throws Exception {
        killServer();
        long sentAtKill = traffic.sent();
        await(Duration.ofSeconds(60), () -> traffic.sent() > sentAtKill + 200);
        startServer();
    }

    /** The PIDs of an app's instances in a {@code status -o json} answer. */
    static List<Long> pids(JsonNode status) {
        return status.path("instances").findValues("pid").stream().map(JsonNode::asLong).toList();
    }

    /** kill -9 of the control plane: no shutdown hook runs. */
    void killServer() throws InterruptedException {
        server.destroyForcibly();
        server.waitFor();
    }

    /** Result of one CLI invocation. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + "\nstderr: " + err, e);
            }
        }
    }

    synchronized Run cli(String... args) {
        String[] full = new String[args.length + 2];
        full[0] = "--state-dir";
        full[1] = stateDir.toString();
        System.arraycopy(args, 0, full, 2, args.length);
        PrintStream out = System.out;
        PrintStream err = System.err;
        var o = new ByteArrayOutputStream();
        var e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = DeployGuard.run(full);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Runs the CLI as its own process (for commands that must run concurrently with others). */
    Run cliProcess(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(CLI_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath(), DeployGuard.class.getName(), "--state-dir", stateDir.toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "cli", ".out");
            Path err = Files.createTempFile(dir, "cli", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int code = p.waitFor();
            return new Run(code, read(out), read(err));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Starts the CLI as a process that keeps running (e.g. {@code events --follow}); output goes to {@code out}. */
    Process cliBackground(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(CLI_JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath(), DeployGuard.class.getName(), "--state-dir", stateDir.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    Run ok(String... args) {
        Run r = cli(args);
        if (r.exit() != 0) {
            throw new AssertionError("deployguard " + String.join(" ", args) + " exited " + r.exit() + "\n" + r.err()
                    + r.out());
        }
        return r;
    }

    URI app() {
        return URI.create("http://127.0.0.1:" + listen + "/");
    }

    /** One request to the app through the router; returns the body. */
    String get() throws Exception {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return http.send(HttpRequest.newBuilder(app()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body().strip();
    }

    /**
     * Waits until {@code condition} holds, up to {@code max}. It looks every 50 ms for the first 2 s, then every
     * 250 ms: most conditions are read through the control plane's API (a status, the events) and the long waits (a
     * rollout's minute) made most of the looks, each costing CPU in the test JVM and in the control plane. Every
     * condition awaited holds once met (a phase reached, an event recorded, a process gone), so a later look sees it
     * too; the condition is looked at once more after {@code max} before the wait fails.
     */
    static void await(Duration max, BooleanSupplier condition) throws InterruptedException {
        await(max, QUICK_LOOKS, condition);
    }

    /** As {@link #await(Duration, BooleanSupplier)}, looking every 50 ms for {@code quick}. */
    static void await(Duration max, Duration quick, BooleanSupplier condition) throws InterruptedException {
        Instant start = Instant.now();
        Instant deadline = start.plus(max);
        Instant slower = start.plus(quick);
        while (!condition.getAsBoolean()) {
            Instant now = Instant.now();
            if (now.isAfter(deadline)) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(now.isBefore(slower) ? 50 : 250);
        }
    }

    /** How long {@link #await} looks every 50 ms before it looks every 250 ms. */
    private static final Duration QUICK_LOOKS = Duration.ofSeconds(2);

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(cannot read " + p + ")";
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.destroyForcibly();
            try {
                server.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Kill everything the control planes started, as recorded in the store.
        if (Files.exists(stateDir.resolve("deployguard.mv.db"))) {
            try (var store = JdbcStore.embedded(stateDir)) {
                for (String app : store.apps()) {
                    store.instances(app).forEach(i -> ProcessHandle.of(i.pid()).ifPresent(ProcessHandle::destroyForcibly));
                    store.router(app).ifPresent(r -> ProcessHandle.of(r.pid()).ifPresent(ProcessHandle::destroyForcibly));
                }
            }
        }
        // And anything not (or no longer) recorded: processes whose command line mentions our state directory
        // or listen port.
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(stateDir.toString())
                || c.contains(":" + listen + " ")).orElse(false)).forEach(ProcessHandle::destroyForcibly);
    }
}
