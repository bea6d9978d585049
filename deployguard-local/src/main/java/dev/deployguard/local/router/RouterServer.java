package dev.deployguard.local.router;

import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The router's Jetty server: a public connector carrying the app's traffic through the proxy, and an admin
 * connector on 127.0.0.1 for the control plane, sharing one small thread pool.
 */
final class RouterServer {
    /** How long a stopping router lets in-flight requests finish. */
    static final long STOP_GRACE_MS = 5_000;

    private static final int MAX_THREADS = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private static final int MIN_THREADS = 4;
    private static final long CONNECTION_IDLE_TIMEOUT_MS = 30_000;

    private final RouterConfig config;
    private final Clock clock;
    private final TrafficStats stats;
    private final Server server;
    private final ServerConnector publicConnector;
    private final ServerConnector adminConnector;
    private final ScheduledExecutorService ticker;

    RouterServer(RouterConfig config, String token, RouteState routes, TrafficStats stats, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.stats = stats;
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
        threads.setName("router");
        // No reserved threads: on a small machine handing work to them costs more context switches than it saves.
        threads.setReservedThreads(0);
        server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(false);
        http.setIdleTimeout(CONNECTION_IDLE_TIMEOUT_MS);

        HostPort listen = HostPort.parse(config.listen());
        publicConnector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        publicConnector.setName("public");
        publicConnector.setHost(listen.host());
        publicConnector.setPort(listen.port());
        publicConnector.setAcceptQueueSize(512);
        publicConnector.setReuseAddress(true);

        adminConnector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
        adminConnector.setName("admin");
        adminConnector.setHost("127.0.0.1");
        adminConnector.setPort(config.adminPort());
        server.addConnector(publicConnector);
        server.addConnector(adminConnector);

        AdminHandler admin = new AdminHandler(config.app(), token, routes, stats, this::listen, clock);
        RoutingHandler traffic = new RoutingHandler(routes, new BackendProxy());
        server.setHandler(new GracefulHandler(new ByConnector(adminConnector, admin, traffic)));
        server.setStopTimeout(STOP_GRACE_MS);
        server.setStopAtShutdown(true);

        ticker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "router-windows");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Binds both addresses, so that a taken one is known before anything else is started.
     *
     * @throws AddressInUseException when the public or the admin address is taken
     */
    void bind() throws IOException {
        open(publicConnector, config.listen(), true);
        open(adminConnector, "127.0.0.1:" + config.adminPort(), false);
    }

    /** Starts serving on the bound addresses (binding them first if {@link #bind()} was not called). */
    void start() throws Exception {
        bind();
        server.start();
        scheduleRoll();
    }

    /** The public address actually bound (its port is known once started, even when 0 was asked for). */
    String listen() {
        HostPort asked = HostPort.parse(config.listen());
        int port = publicConnector.getLocalPort() > 0 ? publicConnector.getLocalPort() : asked.port();
        return new HostPort(asked.host(), port).toString();
    }

    void join() throws InterruptedException {
        server.join();
    }

    void stop() throws Exception {
        ticker.shutdownNow();
        server.stop();
    }

    private static void open(ServerConnector connector, String address, boolean isPublic) throws IOException {
        if (connector.isOpen()) {
            return;
        }
        try {
            connector.open();
        } catch (IOException e) {
            if (causedByBind(e)) {
                throw new AddressInUseException(address, isPublic, e);
            }
            throw e;
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
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
            } finally {
                if (!ticker.isShutdown()) {
                    scheduleRoll();
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Sends admin-connector requests to the admin API and everything else to the app's traffic. */
    private static final class ByConnector extends Handler.Wrapper {
        private final ServerConnector adminConnector;
        private final Handler admin;

        ByConnector(ServerConnector adminConnector, Handler admin, Handler traffic) {
            super(traffic);
            this.adminConnector = adminConnector;
            this.admin = admin;
            addBean(admin);
        }

        @Override
        public void setServer(Server server) {
            super.setServer(server);
            admin.setServer(server);
        }

        // Neither side blocks a thread: the proxy is asynchronous, and the admin API hands its one blocking step
        // (saving a route table) to a pool thread.
        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (request.getConnectionMetaData().getConnector() == adminConnector) {
                return admin.handle(request, response, callback);
            }
            return super.handle(request, response, callback);
        }
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
