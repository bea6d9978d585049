package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The router process for one app: carries the app's user traffic to its backends, split by weight between tracks,
 * and takes its routes from the control plane over a token-protected admin API on 127.0.0.1. It runs apart from
 * the control plane so that traffic keeps flowing when the control plane stops or restarts.
 */
public final class RouterMain {
    /** Bad arguments, token file or state file. */
    static final int EXIT_BAD_INPUT = 2;
    /** The public or admin address is taken. */
    static final int EXIT_ADDRESS_IN_USE = 3;
    static final int EXIT_FAILURE = 1;

    private RouterMain() {
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
        // Jetty otherwise asks the platform MBean server for the JVM's pointer size, which loads JMX and JFR classes:
        // almost half a second of start-up on 2 busy cores. 16 four-byte references fill a 64-byte cache line, and
        // the router's small heap always has compressed references.
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
        // Netty samples 1 % of buffers for leak reports by default; the data path's buffers are released on every
        // path its ITs walk, and sampling costs a stack trace per sampled buffer on the hot path.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        RouterConfig config;
        try {
            config = RouterConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("router: " + e.getMessage());
            System.err.println("usage: RouterMain --app NAME --listen HOST:PORT --admin-port N --state-file PATH"
                    + " --token-file PATH [--tls-listen HOST:PORT --tls-cert PEM --tls-key PEM] [--access-log PATH]");
            System.exit(EXIT_BAD_INPUT);
            return;
        }
        System.exit(run(config));
    }

    private static int run(RouterConfig config) {
        String prefix = "router for app " + config.app();
        String token;
        try {
            token = Files.readString(config.tokenFile(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            System.err.println(prefix + " cannot read its token file " + config.tokenFile() + ": " + e);
            return EXIT_BAD_INPUT;
        }
        if (token.isEmpty()) {
            System.err.println(prefix + ": token file " + config.tokenFile() + " is empty");
            return EXIT_BAD_INPUT;
        }
        Clock clock = Clock.systemUTC();
        RouteStateFile stateFile = new RouteStateFile(config.stateFile());
        TrafficStats stats = new TrafficStats(clock);
        RouteState routes = new RouteState(config.app(), stateFile, stats);
        // Reading the state file loads the JSON code while Jetty loads: do both at once.
        FutureTask<Optional<RouteTable>> saved = new FutureTask<>(() -> {
            RouterCodec.json(new RouterHealth(config.app(), 0, 0, config.listen()));
            return stateFile.load();
        });
        Thread loader = new Thread(saved, "router-state");
        loader.setDaemon(true);
        loader.start();

        RouterLimits limits;
        try {
            limits = RouterLimits.fromSystemProperties();
        } catch (IllegalArgumentException e) {
            System.err.println(prefix + ": " + e.getMessage());
            return EXIT_BAD_INPUT;
        }
        RouterServer server = new RouterServer(config, token, routes, stats, clock, limits);
        if (config.tlsListen() != null) {
            try {
                server.tls(TlsFiles.load(config.tlsCert(), config.tlsKey()));
            } catch (TlsFiles.TlsException e) {
                System.err.println(prefix + ": " + e.getMessage());
                return EXIT_BAD_INPUT;
            }
        }
        if (config.accessLog() != null) {
            try {
                server.accessLog(new AccessLog(config.accessLog()));
            } catch (IOException e) {
                System.err.println(prefix + " cannot open its access log " + config.accessLog() + ": " + e);
                return EXIT_BAD_INPUT;
            }
        }
        try {
            server.bind();
        } catch (RouterServer.AddressInUseException e) {
            if (e.isPublic()) {
                System.err.println(prefix + " cannot listen on " + e.address() + ": address already in use"
                        + " (another process holds it; choose another platform.local.listen)");
            } else {
                System.err.println(prefix + " cannot open its admin port " + e.address()
                        + ": address already in use (another process holds it; start the router on another"
                        + " admin port)");
            }
            return EXIT_ADDRESS_IN_USE;
        } catch (IOException e) {
            System.err.println(prefix + " cannot bind its addresses: " + e);
            return EXIT_FAILURE;
        }

        try {
            Optional<RouteTable> table = saved.get();
            if (table.isPresent()) {
                routes.restore(table.get());
            }
        } catch (ExecutionException | IllegalArgumentException e) {
            // Exiting here would make the supervisor restart the router into the same bad file forever (a total
            // outage until a person deletes it). Start empty instead: the control plane sends the stored table
            // right after the start; the unreadable file is kept aside for inspection.
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            System.err.println(prefix + " cannot restore its routes: " + cause.getMessage() + "; "
                    + stateFile.setAside() + "; starting with no routes until the control plane sends them");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILURE;
        }

        try {
            server.start();
        } catch (Exception e) {
            System.err.println(prefix + " failed to start: " + e);
            stopQuietly(server);
            return EXIT_FAILURE;
        }
        RouteTable table = routes.snapshot().table();
        System.out.println(prefix + " limits: " + limits);
        System.out.println(prefix + " listening on " + server.listen() + " (admin 127.0.0.1:" + config.adminPort()
                + ", pid " + ProcessHandle.current().pid() + ", " + server.transportName() + ", generation "
                + table.generation() + ", "
                + table.tracks().size() + " tracks)");
        if (server.tlsListen() != null) {
            System.out.println(prefix + " serving HTTPS on " + server.tlsListen() + " (h2, http/1.1)");
        }
        if (config.accessLog() != null) {
            System.out.println(prefix + " access log: " + config.accessLog());
        }
        System.out.flush();
        if (Boolean.getBoolean(RouterLauncher.SUPERVISED_PROPERTY)) {
            // Killed with its supervisor (SIGKILL passes nothing on): a router nobody restarts or stops would hold the
            // address the next one needs. Exiting runs the shutdown hook, which finishes the requests in flight.
            ProcessHandle.current().parent().ifPresent(supervisor -> supervisor.onExit()
                    .thenRun(() -> System.exit(0)));
        }
        try {
            server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void stopQuietly(RouterServer server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // Exiting anyway; the reason was already printed.
        }
    }
}
