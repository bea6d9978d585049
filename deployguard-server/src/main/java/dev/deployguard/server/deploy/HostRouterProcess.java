package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.HostRouterConfig;
import dev.deployguard.local.router.HostRouterMain;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The one router process of this control plane's host (issue 16 item 2): every local app and blue/green preview is
 * a listener of it. Started on first use under its supervisor, recorded in {@code routers/host-router.properties}
 * (supervisor pid, its start instant, admin port), adopted after a control-plane restart, found by its command line
 * when the record is lost, and stopped when its last app is removed.
 */
final class HostRouterProcess {
    static final String RECORD = "host-router.properties";

    private final Path routerDir;
    private final Path tokenFile;
    private final String token;
    private final Duration startTimeout;
    private Host host;
    /** When the last search by command line ran: it reads every process's arguments, so at most one per second. */
    private long lastOrphanScan = System.nanoTime() - ORPHAN_SCAN_EVERY_NANOS;
    private static final long ORPHAN_SCAN_EVERY_NANOS = 1_000_000_000L;

    /** The running host router: its supervisor's pid and start instant, admin port and log. */
    record Host(long pid, Instant processStart, int adminPort, Path logFile) {
    }

    HostRouterProcess(Path routerDir, Path tokenFile, String token, Duration startTimeout) {
        this.routerDir = routerDir;
        this.tokenFile = tokenFile;
        this.token = token;
        this.startTimeout = startTimeout;
    }

    /** The host router if it runs (from memory, the record, or its command line), without starting one. */
    synchronized Optional<Host> running() {
        return running(false);
    }

    private Optional<Host> running(boolean scanNow) {
        if (host != null && alive(host)) {
            return Optional.of(host);
        }
        host = load().filter(HostRouterProcess::alive).or(() -> orphan(scanNow)).orElse(null);
        if (host != null) {
            save(host);
        }
        return Optional.ofNullable(host);
    }

    /**
     * The running host router, started when none runs (it then serves every app its directory holds).
     *
     * @return the router and whether it was started by this call
     */
    synchronized Started ensure() {
        Optional<Host> now = running(true);
        if (now.isPresent()) {
            return new Started(now.get(), false);
        }
        int adminPort = Ports.freeLoopbackPort();
        try {
            Files.createDirectories(routerDir);
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot create the router directory " + routerDir
                    + ": " + e.getMessage());
        }
        RouterHandle h = new RouterLauncher().withSupervisor(true).withStartTimeout(startTimeout)
                .startHost(new HostRouterConfig(adminPort, routerDir, tokenFile), routerDir.resolve("host-router.log"));
        host = new Host(h.pid(), h.processStart(), h.adminPort(), h.logFile());
        save(host);
        return new Started(host, true);
    }

    /** A host router and whether it was just started. */
    record Started(Host host, boolean started) {
    }

    /** The admin client of the host router (host-level calls); {@code forApp} gives an app's. */
    RouterClient client(Host h) {
        return new RouterClient(h.adminPort(), token);
    }

    /** Stops the host router when it serves no app any more; returns its pid if it was stopped. */
    synchronized Optional<Long> stopIfEmpty() {
        Optional<Host> now = running();
        if (now.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (!client(now.get()).hostHealth().apps().isEmpty()) {
                return Optional.empty();
            }
        } catch (DeployGuardException e) {
            // Not answering: stopped below all the same, as nothing of it is wanted.
        }
        stop();
        return Optional.of(now.get().pid());
    }

    /** Stops the host router (SIGTERM: every app's requests in flight finish) and forgets its record. */
    synchronized void stop() {
        Optional<Host> now = running();
        now.flatMap(h -> LocalPlatform.handle(h.pid(), h.processStart())).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(RouterServerGrace.MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
        host = null;
        try {
            Files.deleteIfExists(routerDir.resolve(RECORD));
        } catch (IOException e) {
            // A stale record names a dead pid: the next start finds it not alive and starts a new router.
        }
    }

    /** How long a stopping host router is given: every app's in-flight requests (5 s) and the JVM's exit. */
    private static final class RouterServerGrace {
        static final long MILLIS = 10_000;
    }

    static boolean alive(Host h) {
        return LocalPlatform.handle(h.pid(), h.processStart()).isPresent();
    }

    private Optional<Host> load() {
        Path file = routerDir.resolve(RECORD);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            return Optional.of(new Host(Long.parseLong(p.getProperty("pid")),
                    Instant.parse(p.getProperty("processStart")), Integer.parseInt(p.getProperty("adminPort")),
                    Path.of(p.getProperty("logFile"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void save(Host h) {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(h.pid()));
        p.setProperty("processStart", String.valueOf(h.processStart()));
        p.setProperty("adminPort", Integer.toString(h.adminPort()));
        p.setProperty("logFile", h.logFile().toString());
        Path file = routerDir.resolve(RECORD);
        Path tmp = file.resolveSibling(RECORD + ".tmp");
        try {
            Files.createDirectories(routerDir);
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "the host router of this control plane (its supervisor); written by DeployGuard");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Without the record the router is found again by its command line (orphan).
        }
    }

    /** A host router of this directory found by its command line (its supervisor's), when the record is lost. */
    private Optional<Host> orphan(boolean scanNow) {
        long now = System.nanoTime();
        if (!scanNow && now - lastOrphanScan < ORPHAN_SCAN_EVERY_NANOS) {
            return Optional.empty();
        }
        lastOrphanScan = now;
        return ProcessHandle.allProcesses()
                .flatMap(p -> adminPortOf(p.info().arguments().map(List::of).orElse(List.of()), routerDir).stream()
                        .map(port -> new Host(p.pid(), p.info().startInstant().orElse(null), port,
                                routerDir.resolve("host-router.log"))))
                .filter(h -> h.processStart() != null)
                .findFirst();
    }

    /**
     * The admin port in a host router's arguments if they name {@code routerDir} as its state directory. The JVM
     * under a supervisor (its arguments carry the supervised flag) is not the router to record: its supervisor is.
     */
    static Optional<Integer> adminPortOf(List<String> args, Path routerDir) {
        // Under the host router's supervisor run two JVMs (and, in a crash loop's wait, a shell that becomes one)
        // with the same arguments: only the supervisor (its shell's $0 is SUPERVISOR_NAME) is the router to record.
        if (args.contains("-D" + RouterLauncher.SUPERVISED_PROPERTY + "=true") && !(args.size() > 2
                && args.get(0).equals("-c") && args.get(2).equals(RouterLauncher.SUPERVISOR_NAME))) {
            return Optional.empty();
        }
        int dir = args.indexOf("--state-dir");
        int admin = args.indexOf("--admin-port");
        if (dir < 0 || admin < 0 || dir + 1 >= args.size() || admin + 1 >= args.size()
                || !args.contains(HostRouterMain.class.getName())
                || !routerDir.toString().equals(args.get(dir + 1))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(args.get(admin + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
