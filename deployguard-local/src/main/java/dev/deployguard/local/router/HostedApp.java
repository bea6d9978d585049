package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * One app of a host router: its own listeners (plain and, optionally, HTTPS), route table and state file, stats,
 * passive health, retry budget and access log; the process, the event loops and the admin server are shared by all
 * apps. Nothing here is shared with another app, so one app's table, traffic or
 * broken files never reach the others.
 */
final class HostedApp {
    /** How long a stopping app lets its requests in flight finish. */
    static final long STOP_GRACE_MS = 5_000;

    private final String app;
    private final AppListener asked;
    private final RouteState routes;
    private final TrafficStats stats;
    private final RetryBudget budget;
    private final TrafficServer traffic;
    private final AdminApi admin;
    private final TlsFiles tls;
    private final AccessLog accessLog;
    private final String restoreNote;

    private HostedApp(String app, AppListener asked, RouteState routes, TrafficStats stats, RetryBudget budget,
                      TrafficServer traffic, AdminApi admin, TlsFiles tls, AccessLog accessLog,
                      String restoreNote) {
        this.app = app;
        this.asked = asked;
        this.routes = routes;
        this.stats = stats;
        this.budget = budget;
        this.traffic = traffic;
        this.admin = admin;
        this.tls = tls;
        this.accessLog = accessLog;
        this.restoreNote = restoreNote;
    }

    /**
     * Opens the app: restores its table from {@code stateFile} (an unreadable file is set aside and the app starts
     * empty, to be sent its table by the control plane), loads its TLS files and access log, binds its addresses.
     * Nothing stays open when it fails.
     *
     * @throws AppException when a file is unusable (bad input) or an address is taken
     */
    static HostedApp open(String app, AppListener asked, Path stateFile, EventLoopGroup loops, Transport transport,
                          RouterLimits limits, RetryPolicy policy, Clock clock) throws AppException {
        TrafficStats stats = new TrafficStats(clock);
        RouteStateFile file = new RouteStateFile(stateFile);
        RouteState routes = new RouteState(app, file, stats);
        String note = "";
        try {
            Optional<RouteTable> saved = file.load();
            if (saved.isPresent()) {
                routes.restore(saved.get());
            }
        } catch (IOException | IllegalArgumentException e) {
            note = "cannot restore the routes of app " + app + ": " + e.getMessage() + "; " + file.setAside()
                    + "; serving no routes until the control plane sends them";
        }
        RetryBudget budget = new RetryBudget(policy);
        PassiveHealth health = new PassiveHealth(clock, policy.ejectMillis());
        stats.health(health);
        TrafficServer traffic = new TrafficServer(routes, health, budget, transport, loops, limits);
        TlsFiles tls = null;
        AccessLog log = null;
        try {
            if (asked.tlsListen() != null) {
                tls = TlsFiles.load(Path.of(asked.tlsCert()), Path.of(asked.tlsKey()));
            }
            if (asked.accessLog() != null) {
                log = new AccessLog(Path.of(asked.accessLog()));
                traffic.accessLog(log);
            }
            bind(traffic, asked.listen(), false, null);
            if (tls != null) {
                bind(traffic, asked.tlsListen(), true, tls);
                tls.watch();
            }
        } catch (TlsFiles.TlsException e) {
            closeQuietly(traffic, tls, log);
            throw new AppException(e.getMessage(), false);
        } catch (AppException e) {
            closeQuietly(traffic, tls, log);
            throw e;
        } catch (IOException e) {
            closeQuietly(traffic, tls, log);
            throw new AppException("cannot open the access log " + asked.accessLog() + ": " + e.getMessage(),
                    false);
        }
        String[] listen = new String[1];
        HostedApp hosted = new HostedApp(app, asked, routes, stats, budget, traffic,
                new AdminApi(app, routes, stats, () -> listen[0], clock), tls, log, note);
        listen[0] = hosted.listen();
        return hosted;
    }

    private static void bind(TrafficServer traffic, String address, boolean secure, TlsFiles tls)
            throws AppException {
        try {
            if (secure) {
                traffic.bindTls(HostPort.parse(address), tls);
            } else {
                traffic.bind(HostPort.parse(address));
            }
        } catch (IOException e) {
            boolean inUse = causedByBind(e);
            throw new AppException("cannot listen on " + address + (inUse ? ": address already in use" : ": "
                    + e.getMessage()), inUse);
        }
    }

    /** Whether {@code e} says the address is taken. */
    static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Netty's native transport reports EADDRINUSE as its own IOException, not a BindException.
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT)
                            .contains("address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(TrafficServer traffic, TlsFiles tls, AccessLog log) {
        try {
            traffic.stop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (tls != null) {
            tls.close();
        }
        if (log != null) {
            log.close();
        }
    }

    String app() {
        return app;
    }

    /** What the control plane asked for. */
    AppListener asked() {
        return asked;
    }

    /** What is served: the asked listener with the ports actually bound. */
    AppListener bound() {
        return asked.bound(listen(), asked.tlsListen() == null ? null
                : new HostPort(HostPort.parse(asked.tlsListen()).host(), traffic.tlsPort()).toString());
    }

    String listen() {
        return new HostPort(HostPort.parse(asked.listen()).host(), traffic.localPort()).toString();
    }

    RouteState routes() {
        return routes;
    }

    AdminApi admin() {
        return admin;
    }

    /** Why the saved table could not be restored (empty when it was, or there was none). */
    String restoreNote() {
        return restoreNote;
    }

    /** Closes the stats window of the second that ends at {@code boundary}. */
    void roll(long boundary) {
        stats.roll(boundary);
        budget.roll();
    }

    /** Stops taking connections, lets requests in flight finish for up to {@code graceMs}, closes everything. */
    void close(long graceMs) {
        try {
            traffic.stop(graceMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (tls != null) {
            tls.close();
        }
        if (accessLog != null) {
            accessLog.close();
        }
    }

    /** An app that cannot be served as asked; {@code addressInUse} when another process holds an address. */
    static final class AppException extends IOException {
        private final boolean addressInUse;

        AppException(String message, boolean addressInUse) {
            super(message);
            this.addressInUse = addressInUse;
        }

        boolean addressInUse() {
            return addressInUse;
        }
    }
}
