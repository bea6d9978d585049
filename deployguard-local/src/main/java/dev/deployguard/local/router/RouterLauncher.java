package dev.deployguard.local.router;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Starts a router as its own OS process, detached from this JVM (new session, output to a log file, no pipes) so
 * that it outlives the control plane, and waits until its admin API answers.
 */
public final class RouterLauncher {
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Small heap and the serial collector: the router holds little, and the machine may have only 2 cores. Each
     * option's saving is measured with {@code bench/run router-rss --jvm-option ...} (docs/benchmarks.md).
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = defaultJvmOptions(Runtime.version());

    /**
     * The router's JVM options on this Java: with a periodic trim of the C heap where the JVM has it (17.0.9+, 21.0.1+,
     * 22+), which gives back the native memory the JIT compilers' arenas leave behind: about 30 MB of a host
     * router's resident memory with 20 apps ({@code bench/run router-rss}, docs/benchmarks.md). An older JVM would
     * refuse the unknown option, so it gets none.
     */
    static List<String> defaultJvmOptions(Runtime.Version java) {
        List<String> options = new ArrayList<>(List.of("-Xms12m", "-Xmx128m", "-Xss512k",
                "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData",
                // A 4 MB young generation (3.2 MB eden: a young collection per ~3 MB of garbage, well under a
                // millisecond with the router's ~10 MB live set) instead of a third of the heap, and a heap that
                // gives back what a burst grew: 6 MB of a host router's resident memory (docs/benchmarks.md).
                // (C2 alone, -XX:-TieredCompilation, would save 9 MB more but starts a router restoring 20 apps
                // 1.6-1.8x slower, against the 1 s restart; C1 alone costs the data path its C2 code.)
                "-Xmn4m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
                // Jetty logs through SLF4J; without a provider SLF4J would warn about it at every start.
                "-Dslf4j.internal.verbosity=ERROR"));
        int feature = java.feature();
        if (feature >= 22 || feature == 21 && java.update() >= 1 || feature == 17 && java.update() >= 9) {
            options.addAll(List.of("-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=1000"));
        }
        return List.copyOf(options);
    }

    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final File DEV_NULL = new File("/dev/null");
    private static final long POLL_MS = 50;
    private static final int LOG_TAIL_LINES = 20;

    /** Tells a router it runs under {@link #HOST_SUPERVISOR}: it answers with its supervisor's pid and dies with it. */
    public static final String SUPERVISED_PROPERTY = "deployguard.router.supervised";
    /** Tells a supervised host router it may be the warm standby of another ({@link RouterStandby}). */
    public static final String STANDBY_PROPERTY = "deployguard.router.standby";
    /** The environment variable holding the pid of a host router's supervisor (see {@link #HOST_SUPERVISOR}). */
    public static final String SUPERVISOR_ENV = "DEPLOYGUARD_ROUTER_SUPERVISOR";
    /** The name a router's supervisor runs under ({@code $0} of its shell). */
    public static final String SUPERVISOR_NAME = "router-supervisor";
    /** The host router's supervisor, keeping its two JVMs running ({@link HostSupervisor}). */
    static final String HOST_SUPERVISOR = HostSupervisor.SCRIPT;
    private static final Path SHELL = Path.of("/bin/sh");

    private final Duration startTimeout;
    private final String classPath;
    private final List<String> jvmOptions;
    private final boolean supervised;
    /** Where the host router's jar and class-data archive are kept; null: the user's cache directory. */
    private final Path cacheDir;

    /** A launcher with the default timeout and JVM options, running the router from this JVM's class path. */
    public RouterLauncher() {
        this(DEFAULT_START_TIMEOUT, System.getProperty("java.class.path"), DEFAULT_JVM_OPTIONS, false, null);
    }

    private RouterLauncher(Duration startTimeout, String classPath, List<String> jvmOptions, boolean supervised,
                           Path cacheDir) {
        this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        this.classPath = Objects.requireNonNull(classPath, "classPath");
        this.jvmOptions = List.copyOf(jvmOptions);
        this.supervised = supervised;
        this.cacheDir = cacheDir;
    }

    public RouterLauncher withStartTimeout(Duration timeout) {
        return new RouterLauncher(timeout, classPath, jvmOptions, supervised, cacheDir);
    }

    public RouterLauncher withClassPath(String path) {
        return new RouterLauncher(startTimeout, path, jvmOptions, supervised, cacheDir);
    }

    public RouterLauncher withJvmOptions(List<String> options) {
        return new RouterLauncher(startTimeout, classPath, options, supervised, cacheDir);
    }

    /**
     * Keeps the host router's jar and class-data archive under {@code dir} instead of the user's cache directory
     * ({@code $DEPLOYGUARD_CACHE_DIR/router}, ...: {@link RouterClassPath#cacheDir}).
     */
    public RouterLauncher withCacheDir(Path dir) {
        return new RouterLauncher(startTimeout, classPath, jvmOptions, supervised, Objects.requireNonNull(dir, "dir"));
    }

    /**
     * Runs the router under a tiny supervisor that starts it again when it crashes, so the data plane heals
     * without the control plane. The handle's pid is then the supervisor's, which the router reports as its own:
     * stopping it (SIGTERM) stops the router gracefully, and a restarted router is the same router to the control
     * plane. The router exits when its supervisor is killed.
     */
    public RouterLauncher withSupervisor(boolean supervise) {
        return new RouterLauncher(startTimeout, classPath, jvmOptions, supervise, cacheDir);
    }

    /**
     * The command that starts a host router with this config; never run through a shell. The class path goes in the
     * {@code CLASSPATH} environment variable (see {@link #startHost}), not on the command line: a command line longer
     * than a page is cut in {@code /proc/PID/cmdline}, and whoever identifies the router by its arguments (the
     * control plane adopting a running router, {@code ps}) would no longer see them.
     */
    public List<String> command(HostRouterConfig config) {
        return command(HostRouterMain.class.getName(), config.toArgs(), List.of());
    }

    private List<String> command(String mainClass, List<String> args, List<String> archive) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // A session of its own: a Ctrl-C or hang-up aimed at the control plane's terminal does not reach it.
            command.add(SETSID.toString());
        }
        if (supervised) {
            command.addAll(List.of(SHELL.toString(), "-c", HOST_SUPERVISOR, SUPERVISOR_NAME));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(inheritedRouterProperties());
        command.addAll(archive);
        command.addAll(jvmOptions);
        if (supervised) {
            command.add("-D" + SUPERVISED_PROPERTY + "=true");
            command.add("-D" + STANDBY_PROPERTY + "=true");
        }
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * The router settings ({@code -Ddeployguard.router.*}: limits, timeouts, retries) the control plane itself was
     * started with, so a user sets them once for every router it starts; explicit JVM options come after and win.
     */
    static List<String> inheritedRouterProperties() {
        List<String> options = new ArrayList<>();
        System.getProperties().stringPropertyNames().stream().sorted()
                .filter(name -> name.startsWith(RouterLimits.PREFIX) && !name.equals(SUPERVISED_PROPERTY)
                        && !name.equals(STANDBY_PROPERTY))
                .forEach(name -> options.add("-D" + name + "=" + System.getProperty(name)));
        return options;
    }

    /**
     * This router's supervisor: the process {@value #SUPERVISOR_ENV} names (a host router's JVM runs in a slot of
     * it), else the parent. Empty when the named supervisor is gone.
     */
    static java.util.Optional<ProcessHandle> supervisor() {
        String named = System.getenv(SUPERVISOR_ENV);
        if (named != null) {
            try {
                return ProcessHandle.of(Long.parseLong(named.strip()));
            } catch (NumberFormatException e) {
                // Not ours: fall back to the parent.
            }
        }
        return ProcessHandle.current().parent();
    }

    /**
     * The JVM that serves the supervised host router of {@code stateDir} (the other JVM under its supervisor is its
     * warm standby), as named by the lock file it holds; empty when none runs.
     */
    public static java.util.Optional<ProcessHandle> activeHostRouter(Path stateDir) {
        return RouterStandby.active(stateDir);
    }

    /**
     * The JVM that serves under a host router's supervisor (given by the pid the control plane records), found from
     * the state directory its JVMs were started with; empty when none serves (or {@code supervisor} is none).
     */
    public static java.util.Optional<ProcessHandle> activeHostRouterUnder(ProcessHandle supervisor) {
        return supervisor.descendants()
                .map(p -> p.info().arguments().map(List::of).orElse(List.of()))
                .filter(args -> args.contains(HostRouterMain.class.getName()) && args.indexOf("--state-dir") >= 0
                        && args.indexOf("--state-dir") + 1 < args.size())
                .map(args -> Path.of(args.get(args.indexOf("--state-dir") + 1)))
                .findFirst()
                .flatMap(RouterLauncher::activeHostRouter)
                .filter(active -> supervisor.descendants().anyMatch(p -> p.pid() == active.pid()));
    }

    /**
     * Starts a host router and returns once its admin API answers as the process just started, which is after it
     * serves every app its state directory holds. The handle's {@code listen} is empty: each app has its own. It
     * runs from a class path of only what it loads ({@link RouterClassPath}, written once per distribution jar into
     * the user's cache directory, else into its state directory).
     *
     * @param logFile where the router's stdout and stderr are appended
     * @throws RouterStartException when the process cannot be started, exits first (the message then carries the
     *                              end of its log, e.g. the address that was in use) or does not answer in time
     */
    public RouterHandle startHost(HostRouterConfig config, Path logFile) {
        String routerClassPath = hostClassPath(config.stateDir());
        List<String> archive = List.of();
        java.util.Optional<Path> jar = RouterCds.jarFor(routerClassPath, jvmOptions, System.getenv());
        if (jar.isPresent()) {
            // Mapped once in place; until then made in the background, so this start does not wait for it.
            archive = RouterCds.options(jar.get());
            if (archive.isEmpty()) {
                RouterCds.trainInBackground(jar.get(), jvmOptions);
            }
        }
        return start("host router", command(HostRouterMain.class.getName(), config.toArgs(), archive),
                routerClassPath, config.adminPort(), config.tokenFile(), logFile,
                (client, pid) -> client.hostHealth().pid() == pid ? "" : null);
    }

    /**
     * Makes the host router's class-data archive ({@link RouterCds}) now unless it is in place, waiting for a training
     * another process runs, for whoever must measure a router with it (the benchmarks): a host router started after
     * maps it. False when there is none: the class path is not a router jar, the options or {@code DEPLOYGUARD_CDS=off}
     * turn it off, or the training failed (its log is beside the jar, {@code router-KEY.jar.jsa.log}).
     */
    public boolean trainClassData(Path stateDir) throws InterruptedException {
        java.util.Optional<Path> jar = RouterCds.jarFor(hostClassPath(stateDir), jvmOptions, System.getenv());
        return jar.isPresent() && RouterCds.trainNow(jar.get(), jvmOptions);
    }

    /** The class path a host router runs from: its own jar ({@link RouterClassPath}) for a distribution jar. */
    private String hostClassPath(Path stateDir) {
        Path dir = cacheDir != null ? cacheDir
                : RouterClassPath.cacheDir(System.getenv()).orElse(stateDir.resolve("classes"));
        return RouterClassPath.lean(classPath, dir);
    }

    /** Asks a starting router whether it is the process {@code pid}: its listen address if so, else null. */
    private interface Answer {
        String ofPid(RouterClient client, long pid);
    }

    private RouterHandle start(String prefix, List<String> command, String classPath, int adminPort, Path tokenFile,
                               Path logFile, Answer answer) {
        RouterClient client;
        try {
            client = RouterClient.forTokenFile(adminPort, tokenFile);
            Path parent = logFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new RouterStartException(prefix + " cannot start: " + e, "", e);
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("CLASSPATH", classPath);
        if (DEV_NULL.exists()) {
            builder.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
        }
        long logStart = sizeOf(logFile);
        Instant launched = Instant.now();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new RouterStartException(prefix + " cannot start: " + e.getMessage(), "", e);
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        RuntimeException lastFailure = null;
        while (true) {
            if (!process.isAlive()) {
                throw new RouterStartException(prefix + " exited with code " + exitCode(process)
                        + " before its admin API answered on 127.0.0.1:" + adminPort,
                        tail(logFile, logStart), null);
            }
            try {
                String listen = answer.ofPid(client, process.pid());
                if (listen != null) {
                    Instant started = process.toHandle().info().startInstant().orElse(launched);
                    return new RouterHandle(process.pid(), started, adminPort, listen, logFile.toAbsolutePath());
                }
                // Someone else's router answers on that port; ours will fail to bind it and exit.
            } catch (RouterUnreachableException | RouterRejectedException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                process.destroyForcibly();
                waitQuietly(process);
                if (exitedByItself(process)) {
                    // It was already on its way out (a taken address, bad input) when the deadline came: its code
                    // and log say why, not "did not answer".
                    throw new RouterStartException(prefix + " exited with code " + exitCode(process)
                            + " before its admin API answered on 127.0.0.1:" + adminPort, tail(logFile, logStart),
                            lastFailure);
                }
                throw new RouterStartException(prefix + " did not answer on 127.0.0.1:" + adminPort
                        + " within " + startTimeout.toMillis() + " ms; stopped it", tail(logFile, logStart),
                        lastFailure);
            }
            try {
                process.waitFor(POLL_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new RouterStartException(prefix + ": interrupted while waiting for it to start; stopped it",
                        tail(logFile, logStart), e);
            }
        }
    }

    /** Whether an ended process ended of something other than the SIGKILL this launcher sent (exit code 137). */
    static boolean exitedByItself(Process process) {
        try {
            return process.exitValue() != 128 + 9;
        } catch (IllegalThreadStateException e) {
            return false;
        }
    }

    private static String exitCode(Process process) {
        try {
            return Integer.toString(process.exitValue());
        } catch (IllegalThreadStateException e) {
            return "unknown";
        }
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines the router wrote to its log since {@code fromByte}. */
    static String tail(Path logFile, long fromByte) {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(fromByte, length - 8192);
            byte[] bytes = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(bytes);
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
            int first = Math.max(0, lines.length - LOG_TAIL_LINES);
            return String.join("\n", List.of(lines).subList(first, lines.length)).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
