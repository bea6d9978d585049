// Over 400 lines: an app's router's whole life (start, settings, adoption, supervision, migration) in one place.
package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterFiles;
import dev.deployguard.local.router.RouterRejectedException;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.TrafficRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

/**
 * The router of each app: a listener of the one host router of this control plane ({@link HostRouterProcess}),
 * added on first use, re-adopted after a control-plane restart, brought back with the last routes if the router
 * dies, removed by stop/delete/down (the host router stops with its last app). The store holds the desired routes;
 * the router holds a copy on disk too (one file per app), so either one can bring the other back. Each app's router
 * record names the host router (its supervisor's pid and admin port), so {@code status} reads as before.
 */
public final class RouterProcesses implements TrafficRouter {
    private final Store store;
    private final Path routerDir;
    /**
     * Left in the state directory by {@code deployguard backup restore}, removed after the next start has adopted
     * every router: while it is there, a router ahead of the store is behind the restore, not the other way round.
     */
    public static final String RESTORED_MARKER = "store-restored";
    private final Path restoredMarker;
    private final String token;
    private final Path tokenFile;
    private final EventLog events;
    private final Clock clock;
    private final Map<String, RouterClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Streak> streaks = new HashMap<>();
    private final HostRouterProcess hostRouter;
    static final int LOOP_AFTER = 3;
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    public RouterProcesses(Store store, Path stateDir, Path tokenFile, String token, EventLog events, Clock clock) {
        this.store = store;
        this.routerDir = stateDir.resolve("routers");
        this.restoredMarker = stateDir.resolve(RESTORED_MARKER);
        this.tokenFile = tokenFile;
        this.token = token;
        this.events = events;
        this.clock = clock;
        this.hostRouter = new HostRouterProcess(routerDir, tokenFile, token, START_TIMEOUT);
    }

    /** Makes sure the app's router runs on {@code listen}, plain HTTP and no access log (a preview router). */
    public synchronized RouterClient ensure(String app, LocalPlatformSpec.ListenAddress listen, String actor) {
        return ensure(app, listen, RouterOptions.NONE, actor);
    }

    /**
     * Makes sure the app's router runs as its spec says: on {@code listen}, with the HTTPS address and access log of
     * {@code platform.local.tls} and {@code accessLog}. Adopts a running one or starts one; a running router started
     * with another address or other settings is restarted (a router cannot change them while it runs). Files the
     * settings name are checked first: a missing or unreadable one is refused before anything is stopped.
     */
    public synchronized RouterClient ensure(String app, LocalPlatformSpec local, String actor) {
        RouterOptions want = RouterOptions.of(local);
        String at = "apps." + app + ".platform.local";
        List<String> problems = new java.util.ArrayList<>();
        if (want.tlsListen() != null) {
            RouterFiles.tlsProblem(want.tlsCert(), want.tlsKey()).ifPresent(p -> problems.add(at + ".tls: " + p));
        }
        if (want.accessLog() != null) {
            RouterFiles.accessLogProblem(want.accessLog()).ifPresent(p -> problems.add(at + ".accessLog: " + p));
        }
        if (!problems.isEmpty()) {
            String message = "the router for app '" + app + "' cannot start with these settings: "
                    + String.join("; ", problems) + " (fix the file or the spec; the running router is unchanged)";
            events.record(app, null, actor, EventKinds.OPERATION_REFUSED, message);
            throw new DeployGuardException(ExitCode.BAD_INPUT, message);
        }
        return ensure(app, local.listen(), want, actor);
    }

    private RouterClient ensure(String app, LocalPlatformSpec.ListenAddress listen, RouterOptions want,
                                String actor) {
        retireOneAppRouter(app, actor);
        HostRouterProcess.Started started = hostRouter.ensure();
        HostRouterProcess.Host host = started.host();
        AppListener wanted = want.listener(listen.toString());
        Optional<AppListener> have = appOf(host, app);
        if (have.isPresent() && have.get().equals(wanted)) {
            RouterClient client = hostRouter.client(host).forApp(app);
            clients.put(app, client);
            record(app, host, listen);
            return client;
        }
        String verb = "started";
        if (have.isPresent()) {
            RouterOptions had = RouterOptions.of(have.get());
            verb = !have.get().listen().equals(wanted.listen()) ? "listen address changed from " + have.get().listen()
                    + "; now serving"
                    : "settings changed from " + had.describe() + " to " + want.describe() + "; listener reopened";
            if (had.equals(want) && have.get().listen().equals(wanted.listen())) {
                verb = "listener reopened";
            }
        }
        return serve(app, host, listen, want, actor, verb);
    }

    /**
     * Makes the host router serve {@code app} on {@code listen} with {@code options}, gives it the stored table and
     * records the app's router as the host router. Other apps' listeners are not touched.
     */
    private RouterClient serve(String app, HostRouterProcess.Host host, LocalPlatformSpec.ListenAddress listen,
                               RouterOptions options, String actor, String verb) {
        Optional<AppListener> have = appOf(host, app);
        if (have.map(h -> !h.listen().equals(listen.toString())).orElse(true)
                && !Ports.isFree(listen.host(), listen.port())) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot listen on "
                    + listen + ": the address is already in use by another process; free it or change apps." + app
                    + ".platform.local.listen");
        }
        if (options.tlsListen() != null && have.map(h -> !options.tlsListen().equals(h.tlsListen())).orElse(true)) {
            String[] hp = options.tlsListen().split(":(?=[^:]+$)");
            if (!Ports.isFree(hp[0], Integer.parseInt(hp[1]))) {
                throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot serve"
                        + " HTTPS on " + options.tlsListen() + ": the address is already in use by another process;"
                        + " free it or change apps." + app + ".platform.local.tls.listen");
            }
        }
        try {
            Files.createDirectories(routerDir);
            options.save(optionsFile(app));
        } catch (java.io.IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot save the router settings of app '" + app
                    + "' in " + routerDir + ": " + e.getMessage());
        }
        try {
            hostRouter.client(host).putApp(app, options.listener(listen.toString()));
        } catch (RouterRejectedException e) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot serve it: "
                    + e.getMessage());
        }
        RouterClient client = hostRouter.client(host).forApp(app);
        store.routes(app).ifPresent(client::putRoutes);
        record(app, host, listen);
        clients.put(app, client);
        String extra = options.equals(RouterOptions.NONE) ? "" : ", " + options.describe();
        events.record(app, null, actor, EventKinds.ROUTER_STARTED, "router " + verb + " on " + listen
                + " (host router pid " + host.pid() + ", admin port " + host.adminPort() + extra + ")",
                Map.of("pid", host.pid(), "listen", listen.toString()));
        return client;
    }

    private void record(String app, HostRouterProcess.Host host, LocalPlatformSpec.ListenAddress listen) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isPresent() && rec.get().pid() == host.pid() && rec.get().adminPort() == host.adminPort()
                && rec.get().listen().equals(listen.toString())) {
            return;
        }
        store.saveRouter(new Store.RouterRecord(app, host.pid(), host.processStart(), host.adminPort(),
                listen.toString(), host.logFile().toString(), clock.instant()));
    }

    /** The listener the host router serves {@code app} on, or empty (also when it does not answer). */
    private Optional<AppListener> appOf(HostRouterProcess.Host host, String app) {
        try {
            return hostRouter.client(host).app(app);
        } catch (DeployGuardException e) {
            return Optional.empty();
        }
    }

    /**
     * Migration from one router process per app (before the host router): a running one-app router of {@code app}
     * is stopped so the host router can take its address. Its table stays in {@code APP.routes.json}, the file the
     * host router reads for the app, so users get the same split from the host router.
     */
    private void retireOneAppRouter(String app, String actor) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isEmpty() || rec.get().pid() == 0 || !alive(rec.get())) {
            return;
        }
        Optional<HostRouterProcess.Host> host = hostRouter.running();
        if (host.isPresent() && host.get().pid() == rec.get().pid()) {
            return;
        }
        stopRouter(rec.get());
        clients.remove(app);
        events.record(app, null, actor, EventKinds.ROUTER_ADOPTED, "the app's own router (pid " + rec.get().pid()
                + ") stopped: the host router serves the app from now on, with its table");
    }

    private Path optionsFile(String app) {
        return routerDir.resolve(app + ".options");
    }

    /**
     * After a control-plane restart: keeps a live router and makes sure it serves the app and the stored routes;
     * starts the host router when none runs. Returns true if the app's router was adopted as it was.
     */
    public synchronized boolean adoptOrRestart(String app, String actor) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isEmpty()) {
            return false;
        }
        Store.RouterRecord r = rec.get();
        retireOneAppRouter(app, actor);
        Optional<HostRouterProcess.Host> running = hostRouter.running();
        if (running.isPresent() && appOf(running.get(), app).isPresent()) {
            RouterClient client = hostRouter.client(running.get()).forApp(app);
            clients.put(app, client);
            record(app, running.get(), listenOf(r));
            String routes = reconcile(app, client);
            events.record(app, null, actor, EventKinds.ROUTER_ADOPTED, "router re-adopted (host router pid "
                    + running.get().pid() + ", " + r.listen() + ")" + routes);
            return routes.equals("; routes unchanged");
        }
        events.record(app, null, actor, EventKinds.ROUTER_CRASHED, "router of " + app + " (pid " + r.pid()
                + ") is not " + (running.isPresent() ? "serving the app" : "running") + "; starting it again with"
                + " the stored routes");
        clients.remove(app);
        HostRouterProcess.Started started = hostRouter.ensure();
        if (appOf(started.host(), app).isPresent()) {
            // The started router brought the app back from its files: it is the router's table that users get.
            RouterClient client = hostRouter.client(started.host()).forApp(app);
            clients.put(app, client);
            record(app, started.host(), listenOf(r));
            reconcile(app, client);
        } else {
            serve(app, started.host(), listenOf(r), RouterOptions.load(optionsFile(app)), actor, "restarted");
        }
        return false;
    }

    /** Brings the router's and the store's tables together after a restart; says what it did, for the event. */
    private String reconcile(String app, RouterClient client) {
        Optional<RouteTable> want = store.routes(app);
        Optional<RouteTable> have = routesOf(client);
        boolean ahead = have.isPresent() && (want.isEmpty() || !have.get().equals(want.get())
                && have.get().generation() >= want.get().generation());
        if (ahead && want.isPresent() && Files.exists(restoredMarker)) {
            // The store was restored from a backup on purpose (the restore leaves this marker): its table
            // wins, under a generation the router accepts.
            RouteTable table = new RouteTable(app, have.get().generation() + 1, want.get().tracks());
            store.saveRoutes(table);
            client.putRoutes(table);
            return "; the store was restored from a backup: its routes re-applied as generation "
                    + table.generation();
        }
        if (ahead) {
            // The router only ever took tables the store held first, so a newer (or same-numbered but
            // different) table there means the store lost writes. What users get is the router's: keep
            // it and catch the store up, so the next table is numbered after it instead of being refused.
            store.saveRoutes(have.get());
            return "; it holds generation " + have.get().generation() + ", newer than the store's "
                    + want.map(t -> Long.toString(t.generation())).orElse("(none)")
                    + ": its table was adopted into the store";
        }
        if (want.isPresent() && !want.equals(have)) {
            client.putRoutes(want.get());
            return "; routes re-applied from the store";
        }
        return "; routes unchanged";
    }

    /**
     * Supervision tick. The host router's own supervisor restarts its JVM at once; this brings it back when the
     * whole router is gone (its supervisor too), with backoff (1 s doubling to 30 s) so a router that cannot start
     * is not retried (and recorded) on every tick. The first death is one {@code router.crashed} event; the
     * {@value #LOOP_AFTER}th failed restart in a row is one {@code crashloop.detected} event (which opens an
     * incident); later attempts are silent until one works. A live router that does not serve the app (its listener
     * file was unreadable) gets it again; one behind the store gets the stored table.
     *
     * <p>The catch-up of a live router's routes runs only while this tick holds {@code routeWriters}, the app's lock
     * ({@link AppLocks}) that every writer of its routes holds from saving a table to sending it: a table saved but
     * not sent yet is that writer's to send, not a sign that the router restarted. While another thread holds the
     * lock, the catch-up waits for the next tick (a tick never waits for the lock).
     */
    public synchronized void supervise(String app, Lock routeWriters) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Streak streak = streaks.get(app);
        Store.RouterRecord r = rec.get();
        Optional<HostRouterProcess.Host> running = hostRouter.running();
        if (running.isPresent()) {
            List<String> served;
            try {
                served = hostRouter.client(running.get()).hostHealth().apps();
            } catch (DeployGuardException e) {
                return; // Restarting right now (its supervisor brings it back): the next tick looks again.
            }
            if (running.get().pid() != r.pid() && r.pid() != 0) {
                record(app, running.get(), listenOf(r));
                clients.remove(app);
            }
            if (served.contains(app)) {
                if (streak != null
                        && Duration.between(streak.lastFailure, now).compareTo(Supervisor.STABLE_AFTER) > 0) {
                    streaks.remove(app);
                }
                if (r.pid() == 0) {
                    record(app, running.get(), listenOf(r));
                }
                if (routeWriters.tryLock()) {
                    try {
                        catchUp(app, running.get());
                    } finally {
                        routeWriters.unlock();
                    }
                }
                return;
            }
        }
        if (streak != null && now.isBefore(streak.nextTry)) {
            return;
        }
        if (streak == null) {
            streak = new Streak();
            streaks.put(app, streak);
            events.record(app, null, "supervisor", EventKinds.ROUTER_CRASHED, "router of " + app + " (pid "
                    + r.pid() + ") is not " + (running.isPresent() ? "serving the app" : "running")
                    + "; starting it again with the stored routes", Map.of("pid", r.pid()));
            // The dead pid must not be shown as the router's while it is down.
            store.saveRouter(new Store.RouterRecord(app, 0, null, r.adminPort(), r.listen(), r.logFile(),
                    r.startedAt()));
        }
        streak.failures++;
        streak.lastFailure = now;
        streak.nextTry = now.plus(Supervisor.backoff(streak.failures));
        clients.remove(app);
        try {
            HostRouterProcess.Host host = hostRouter.ensure().host();
            if (appOf(host, app).isPresent()) {
                record(app, host, listenOf(r));
                catchUp(app, host);
            } else {
                serve(app, host, listenOf(r), RouterOptions.load(optionsFile(app)), "supervisor",
                        "restarted after " + streak.failures + " attempt(s)");
            }
        } catch (RuntimeException e) {
            if (streak.failures == LOOP_AFTER) {
                events.record(app, null, "supervisor", EventKinds.CRASH_LOOP, "the router of " + app + " failed to"
                        + " start " + LOOP_AFTER + " times in a row; retrying with backoff up to "
                        + Supervisor.MAX_BACKOFF.toSeconds() + " s, without an event per attempt. Last error: "
                        + e.getMessage() + " (its log: " + r.logFile() + ")",
                        Map.of("component", "router", "failures", streak.failures));
            }
        }
    }

    /**
     * A router restarted by its own supervisor keeps its pid (the supervisor's) but may come back behind the store:
     * with no routes, after the app's table file was unreadable and set aside. It then gets the stored table at once.
     */
    private void catchUp(String app, HostRouterProcess.Host host) {
        Optional<RouteTable> want = store.routes(app);
        if (want.isEmpty()) {
            return;
        }
        RouterClient client = clients.computeIfAbsent(app, a -> hostRouter.client(host).forApp(a));
        long have;
        try {
            have = client.health().generation();
        } catch (DeployGuardException e) {
            return; // Restarting right now: the next tick looks again.
        }
        if (have < want.get().generation()) {
            client.putRoutes(want.get());
            events.record(app, null, "supervisor", EventKinds.ROUTER_ADOPTED, "the router of " + app + " (pid "
                    + host.pid() + ") was restarted by its supervisor and holds generation " + have + "; the stored"
                    + " routes (generation " + want.get().generation() + ") re-applied");
        }
    }

    /** Failed restarts of one app's router in a row. */
    private static final class Streak {
        int failures;
        Instant lastFailure;
        Instant nextTry;
    }

    private static LocalPlatformSpec.ListenAddress listenOf(Store.RouterRecord r) {
        String[] hp = r.listen().split(":(?=[^:]+$)");
        return new LocalPlatformSpec.ListenAddress(hp[0], Integer.parseInt(hp[1]));
    }

    @Override
    public void apply(RouteTable table) {
        client(table.app()).putRoutes(table);
    }

    @Override
    public Optional<RouteTable> current(String app) {
        return routesOf(client(app));
    }

    @Override
    public int inFlight(String app, String backend) {
        return client(app).inFlight(backend);
    }

    public RouterClient client(String app) {
        RouterClient c = clients.get(app);
        if (c == null) {
            Store.RouterRecord r = store.router(app).orElseThrow(() -> new DeployGuardException(ExitCode.FAILURE,
                    "app '" + app + "' has no router yet; deploy it first"));
            c = clients.computeIfAbsent(app, a -> new RouterClient(r.adminPort(), token).forApp(a));
        }
        return c;
    }

    /**
     * Stops serving the app (used by stop, delete, down, the end of a blue/green preview): its listener is removed
     * from the host router, which other apps' traffic does not notice; the host router itself stops with its last
     * app, so {@code down} leaves no router process.
     */
    public synchronized RouterStop stop(String app) {
        Optional<Store.RouterRecord> rec = store.router(app);
        Optional<HostRouterProcess.Host> host = hostRouter.running();
        Optional<Store.RouterRecord> own = rec.filter(r -> host.map(h -> h.pid() != r.pid()).orElse(true));
        own.ifPresent(this::stopRouter);
        host.ifPresent(h -> {
            try {
                hostRouter.client(h).removeApp(app);
            } catch (DeployGuardException e) {
                // Not answering: stopIfEmpty below stops it, or its supervisor restarts it and the next start of
                // the app replaces the listener.
            }
        });
        store.removeRouter(app);
        clients.remove(app);
        streaks.remove(app);
        try {
            Files.deleteIfExists(optionsFile(app));
        } catch (java.io.IOException e) {
            // Only read back for a router of this app, which no longer exists; a new one overwrites it.
        }
        Long listenerOn = rec.isPresent() && own.isEmpty() ? host.map(HostRouterProcess.Host::pid).orElse(null)
                : null;
        return new RouterStop(listenerOn, hostRouter.stopIfEmpty().orElse(null),
                own.map(Store.RouterRecord::pid).orElse(null));
    }

    /** Stops the host router whatever it serves (tests; {@code down} after stopping every app). */
    public synchronized void stopHostRouter() {
        hostRouter.stop();
        clients.clear();
    }

    /** Stops a router process by its record (a one-app router from before the host router). */
    private void stopRouter(Store.RouterRecord r) {
        LocalPlatform.handle(r.pid(), r.processStart()).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
    }

    private static Optional<RouteTable> routesOf(RouterClient client) {
        try {
            RouteTable t = client.routes();
            return t == null || t.tracks().isEmpty() ? Optional.empty() : Optional.of(t);
        } catch (DeployGuardException e) {
            return Optional.empty();
        }
    }

    private static boolean alive(Store.RouterRecord r) {
        return LocalPlatform.handle(r.pid(), r.processStart()).isPresent();
    }
}
