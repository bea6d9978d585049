package dev.deployguard.local.router;

import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The router's two faces: the app's traffic on Netty ({@link TrafficServer}), and the admin API for the control
 * plane on a small Jetty server on 127.0.0.1. The admin API stays on Jetty: it serves a few requests a second, its
 * contract (status codes, JSON errors, token check) is Jetty-tested and unchanged, and its one blocking step (the
 * fsync of a route table) wants a worker thread, which Jetty has and an event loop must not be.
 */
final class RouterServer {
    /** How long a stopping router lets in-flight requests finish. */
    static final long STOP_GRACE_MS = 5_000;

    private static final int ADMIN_MAX_THREADS = 4;
    private static final int ADMIN_MIN_THREADS = 1;
    private static final long CONNECTION_IDLE_TIMEOUT_MS = 30_000;

    private final RouterConfig config;
    private final Clock clock;
    private final TrafficStats stats;
    private final RetryBudget retryBudget;
    private final TrafficServer traffic;
    private final Server server;
    private final ServerConnector adminConnector;
    private final ScheduledExecutorService ticker;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean stopOnce = new AtomicBoolean();
    private boolean trafficBound;
    private boolean tlsBound;
    private TlsFiles tls;
    private AccessLog accessLog;

    RouterServer(RouterConfig config, String token, RouteState routes, TrafficStats stats, Clock clock,
                 RouterLimits limits) {
        this(config, token, routes, stats, clock, RetryPolicy.fromSystemProperties(), Transport.best(),
                TrafficServer.defaultEventLoops(), limits);
    }

    RouterServer(RouterConfig config, String token, RouteState routes, TrafficStats stats, Clock clock,
                 RetryPolicy retryPolicy, Transport transport, int eventLoops, RouterLimits limits) {
        this.config = config;
        this.clock = clock;
        this.stats = stats;
        this.retryBudget = new RetryBudget(retryPolicy);
        PassiveHealth health = new PassiveHealth(clock, retryPolicy.ejectMillis());
        stats.health(health);
        this.traffic = new TrafficServer(routes, health, retryBudget, transport, eventLoops, limits);

        QueuedThreadPool threads = new QueuedThreadPool(ADMIN_MAX_THREADS, ADMIN_MIN_THREADS);
        threads.setName("router-admin");
        threads.setReservedThreads(0);
        server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        http.setIdleTimeout(CONNECTION_IDLE_TIMEOUT_MS);

        adminConnector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
        adminConnector.setName("admin");
        adminConnector.setHost("127.0.0.1");
        adminConnector.setPort(config.adminPort());
        server.addConnector(adminConnector);
        server.setHandler(new AdminHandler(new AdminApi(config.app(), token, routes, stats, this::listen, clock)));
        server.setStopTimeout(1_000);

        ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "router-windows");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Serves HTTPS on the config's TLS address with these files (bound by {@link #bind()}). */
    void tls(TlsFiles files) {
        this.tls = files;
    }

    /** Logs every request to {@code log}. */
    void accessLog(AccessLog log) {
        this.accessLog = log;
        traffic.accessLog(log);
    }

    /**
     * Binds all addresses, so that a taken one is known before anything else is started.
     *
     * @throws AddressInUseException when the public or the admin address is taken
     */
    void bind() throws IOException {
        if (!trafficBound) {
            try {
                traffic.bind(HostPort.parse(config.listen()));
            } catch (IOException e) {
                if (causedByBind(e)) {
                    throw new AddressInUseException(config.listen(), true, e);
                }
                throw e;
            }
            trafficBound = true;
        }
        if (tls != null && !tlsBound) {
            try {
                traffic.bindTls(HostPort.parse(config.tlsListen()), tls);
            } catch (IOException e) {
                if (causedByBind(e)) {
                    throw new AddressInUseException(config.tlsListen(), true, e);
                }
                throw e;
            }
            tlsBound = true;
        }
        if (!adminConnector.isOpen()) {
            try {
                adminConnector.open();
            } catch (IOException e) {
                if (causedByBind(e)) {
                    throw new AddressInUseException("127.0.0.1:" + config.adminPort(), false, e);
                }
                throw e;
            }
        }
    }

    /** Starts serving on the bound addresses (binding them first if {@link #bind()} was not called). */
    void start() throws Exception {
        bind();
        server.start();
        scheduleRoll();
        if (tls != null) {
            tls.watch();
        }
        // A stopping router (SIGTERM, as the control plane stops it) lets the requests in flight finish.
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopQuietly, "router-stop"));
    }

    /** The public address actually bound (its port is known once bound, even when 0 was asked for). */
    String listen() {
        HostPort asked = HostPort.parse(config.listen());
        int port = traffic.localPort() > 0 ? traffic.localPort() : asked.port();
        return new HostPort(asked.host(), port).toString();
    }

    /** The TLS address actually bound, or null without TLS. */
    String tlsListen() {
        if (config.tlsListen() == null) {
            return null;
        }
        HostPort asked = HostPort.parse(config.tlsListen());
        return new HostPort(asked.host(), traffic.tlsPort() > 0 ? traffic.tlsPort() : asked.port()).toString();
    }

    String transportName() {
        return traffic.transportName();
    }

    void join() throws InterruptedException {
        stopped.await();
    }

    void stop() throws Exception {
        if (!stopOnce.compareAndSet(false, true)) {
            stopped.await();
            return;
        }
        try {
            ticker.shutdownNow();
            traffic.stop(STOP_GRACE_MS);
            server.stop();
            if (tls != null) {
                tls.close();
            }
            if (accessLog != null) {
                accessLog.close();
            }
        } finally {
            stopped.countDown();
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (Exception e) {
            System.err.println("router for app " + config.app() + ": error while stopping: " + e);
        }
    }

    static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Netty's native transport reports EADDRINUSE as its own IOException, not a BindException.
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT)
                            .contains("address already in use"))) {
                return true;
            }
        }
        return false;
    }

    // Rescheduled from the wall clock every time, so windows stay on second boundaries however long the router runs.
    private void scheduleRoll() {
        long now = clock.millis();
        long delay = 1000 - Math.floorMod(now, 1000L);
        ticker.schedule(() -> {
            try {
                long boundary = Math.round(clock.millis() / 1000.0) * 1000;
                stats.roll(boundary);
                retryBudget.roll();
            } finally {
                if (!ticker.isShutdown()) {
                    scheduleRoll();
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** The public or admin address is held by another process. */
    static final class AddressInUseException extends IOException {
        private final String address;
        private final boolean isPublic;

        AddressInUseException(String address, boolean isPublic, Throwable cause) {
            super("address already in use: " + address, cause);
            this.address = address;
            this.isPublic = isPublic;
        }

        String address() {
            return address;
        }

        boolean isPublic() {
            return isPublic;
        }
    }
}
