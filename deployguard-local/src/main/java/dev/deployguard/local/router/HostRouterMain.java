package dev.deployguard.local.router;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import io.netty.channel.EventLoopGroup;

/**
 * The host router: one process that serves every local app of a control plane, each on its own address with its
 * own table, stats, TLS and access log ({@link HostedApp}), on event loops they share, with one admin API
 * ({@link HostAdminApi}, on the same event loops by {@link NettyAdminServer}: no Jetty in this process). Apps are
 * added and removed while it runs without touching the others; it restarts (under {@link HostSupervisor}) into every
 * app it served, from their files.
 */
public final class HostRouterMain {
    /** Bad arguments, token file or limits. */
    static final int EXIT_BAD_INPUT = 2;
    /** The admin address is taken. */
    static final int EXIT_ADDRESS_IN_USE = 3;
    static final int EXIT_FAILURE = 1;

    private HostRouterMain() {
    }

    /**
     * The pid the router gives as its own: its supervisor's when it runs under one (see
     * {@link RouterLauncher#withSupervisor}), so a restart is invisible to the control plane; else its own.
     */
    static long reportedPid() {
        if (Boolean.getBoolean(RouterLauncher.SUPERVISED_PROPERTY)) {
            return RouterLauncher.supervisor().map(ProcessHandle::pid).orElse(ProcessHandle.current().pid());
        }
        return ProcessHandle.current().pid();
    }

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            // Netty 4.2's allocator would register its JFR events, which loads the JDK's whole flight-recorder
            // metadata (about 100 classes and their objects) into a process that never records.
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        HostRouterConfig config;
        try {
            config = HostRouterConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("host router: " + e.getMessage());
            System.err.println("usage: HostRouterMain --admin-port N --state-dir DIR --token-file PATH");
            System.exit(EXIT_BAD_INPUT);
            return;
        }
        System.exit(run(config));
    }

    private static int run(HostRouterConfig config) {
        PrintStream out = System.out;
        String token;
        try {
            token = Files.readString(config.tokenFile(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            System.err.println("host router cannot read its token file " + config.tokenFile() + ": " + e);
            return EXIT_BAD_INPUT;
        }
        if (token.isEmpty()) {
            System.err.println("host router: token file " + config.tokenFile() + " is empty");
            return EXIT_BAD_INPUT;
        }
        RouterLimits limits;
        try {
            limits = RouterLimits.fromSystemProperties();
        } catch (IllegalArgumentException e) {
            System.err.println("host router: " + e.getMessage());
            return EXIT_BAD_INPUT;
        }
        if (Boolean.getBoolean(RouterLauncher.SUPERVISED_PROPERTY)) {
            // Killed with its supervisor: a router nobody restarts or stops would hold the addresses the next needs.
            RouterLauncher.supervisor().ifPresentOrElse(supervisor -> supervisor.onExit()
                    .thenRun(() -> System.exit(0)), () -> System.exit(0));
        }
        Optional<RouterStandby> turn = Optional.empty();
        if (Boolean.getBoolean(RouterLauncher.STANDBY_PROPERTY)) {
            // A warm standby: serves only once the router that serves is gone (RouterStandby).
            try {
                turn = RouterStandby.awaitTurn(config.stateDir(), config.adminPort(), limits, out);
            } catch (IOException e) {
                System.err.println("host router cannot take its state directory's lock: " + e);
                return EXIT_FAILURE;
            }
            if (turn.isEmpty()) {
                return 0;
            }
            token = turn.get().tokenToServe(config.tokenFile(), token, out);
        }
        Clock clock = Clock.systemUTC();
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(TrafficServer.defaultEventLoops(), "router-io");
        HostedApps apps = new HostedApps(config.stateDir(), loops, transport, limits,
                RetryPolicy.fromSystemProperties(), clock);

        // The admin API binds first (a taken port is exit 3 before any app opens), but answers only once every app is
        // restored: whoever waits for the router to start then finds them served.
        CompletableFuture<HostAdminApi> api = new CompletableFuture<>();
        NettyAdminServer admin;
        try {
            admin = NettyAdminServer.bind(loops, transport, config.adminPort(), call -> api.join().handle(call));
        } catch (Exception e) {
            System.err.println("host router cannot open its admin port 127.0.0.1:" + config.adminPort() + ": "
                    + (HostedApp.causedByBind(e) ? "address already in use (another process holds it)" : e));
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            return EXIT_ADDRESS_IN_USE;
        }
        try {
            apps.restoreAll(out);
            turn.ifPresent(standby -> standby.noteServing(out, apps.names().size()));
            api.complete(new HostAdminApi(token, apps, out));
        } catch (Exception e) {
            System.err.println("host router failed to start: " + e);
            admin.close();
            return EXIT_FAILURE;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "router-windows");
            thread.setDaemon(true);
            return thread;
        });
        scheduleRoll(ticker, apps, clock);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopOnce = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopOnce.compareAndSet(false, true)) {
                return;
            }
            ticker.shutdownNow();
            apps.closeAll(HostedApp.STOP_GRACE_MS);
            admin.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2_000);
            stopped.countDown();
        };
        // A stopping router (SIGTERM, as the control plane stops it) lets every app's requests in flight finish.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "router-stop"));
        out.println("host router listening (admin 127.0.0.1:" + config.adminPort() + ", pid "
                + ProcessHandle.current().pid() + ", " + transport.name() + ", " + apps.names().size()
                + " apps, state " + config.stateDir() + ")");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** An admin API already serving {@code apps} on 127.0.0.1:{@code port} (0: any free port); the warm-up's too. */
    static NettyAdminServer adminServer(EventLoopGroup loops, Transport transport, int port, String token,
                                        HostedApps apps, PrintStream out) throws Exception {
        HostAdminApi api = new HostAdminApi(token, apps, out);
        return NettyAdminServer.bind(loops, transport, port, api::handle);
    }

    // Rescheduled from the wall clock every time, so windows stay on second boundaries however long it runs.
    private static void scheduleRoll(ScheduledExecutorService ticker, HostedApps apps, Clock clock) {
        long delay = 1000 - Math.floorMod(clock.millis(), 1000L);
        ticker.schedule(() -> {
            try {
                apps.roll(Math.round(clock.millis() / 1000.0) * 1000);
            } finally {
                if (!ticker.isShutdown()) {
                    scheduleRoll(ticker, apps, clock);
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
    }
}
