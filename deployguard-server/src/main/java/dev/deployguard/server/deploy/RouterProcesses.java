package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterConfig;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.TrafficRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The router process of each app: started on first use, re-adopted after a control-plane restart, restarted
 * with the last routes if it dies. The store holds the desired routes; the router holds a copy on disk too, so
 * either one can bring the other back.
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

    public RouterProcesses(Store store, Path stateDir, Path tokenFile, String token, EventLog events, Clock clock) {
        this.store = store;
        this.routerDir = stateDir.resolve("routers");
        this.restoredMarker = stateDir.resolve(RESTORED_MARKER);
        this.tokenFile = tokenFile;
        this.token = token;
        this.events = events;
        this.clock = clock;
    }

    /** Makes sure the app's router runs on {@code listen}; adopts a running one or starts one. */
    public synchronized RouterClient ensure(String app, LocalPlatformSpec.ListenAddress listen, String actor) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isPresent() && alive(rec.get())) {
            RouterClient client = clients.computeIfAbsent(app, a -> new RouterClient(rec.get().adminPort(), token));
            if (rec.get().listen().equals(listen.toString()) && healthy(client)) {
                return client;
            }
            if (!rec.get().listen().equals(listen.toString())) {
                events.record(app, null, actor, EventKinds.ROUTER_STARTED, "listen address changed from "
                        + rec.get().listen() + " to " + listen + "; restarting the router");
                stopRouter(rec.get());
            }
        }
        return launch(app, listen, actor, "started");
    }

    private RouterClient launch(String app, LocalPlatformSpec.ListenAddress listen, String actor, String verb) {
        if (!Ports.isFree(listen.host(), listen.port())) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot listen on "
                    + listen + ": the address is already in use by another process; free it or change apps." + app
                    + ".platform.local.listen");
        }
        int adminPort = Ports.freeLoopbackPort();
        RouterHandle h = new RouterLauncher().start(new RouterConfig(app, listen.toString(), adminPort,
                routerDir.resolve(app + ".routes.json"), tokenFile), routerDir.resolve(app + ".log"));
        RouterClient client = new RouterClient(h.adminPort(), token);
        store.routes(app).ifPresent(client::putRoutes);
        store.saveRouter(new Store.RouterRecord(app, h.pid(), h.processStart(), h.adminPort(), listen.toString(),
                h.logFile().toString(), clock.instant()));
        clients.put(app, client);
        events.record(app, null, actor, EventKinds.ROUTER_STARTED, "router " + verb + " on " + listen + " (pid "
                + h.pid() + ", admin port " + h.adminPort() + ")", Map.of("pid", h.pid(), "listen", listen.toString()));
        return client;
    }

    /**
     * After a control-plane restart: keeps a live router and makes sure it serves the stored routes; restarts a
     * dead one. Returns true if the router was adopted as it was.
     */
    public synchronized boolean adoptOrRestart(String app, String actor) {
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isEmpty()) {
            return false;
        }
        Store.RouterRecord r = rec.get();
        if (alive(r)) {
            RouterClient client = new RouterClient(r.adminPort(), token);
            if (healthy(client)) {
                clients.put(app, client);
                Optional<RouteTable> want = store.routes(app);
                Optional<RouteTable> have = routesOf(client);
                String routes;
                boolean ahead = have.isPresent() && (want.isEmpty() || !have.get().equals(want.get())
                        && have.get().generation() >= want.get().generation());
                if (ahead && want.isPresent() && Files.exists(restoredMarker)) {
                    // The store was restored from a backup on purpose (the restore leaves this marker): its table
                    // wins, under a generation the router accepts.
                    RouteTable table = new RouteTable(app, have.get().generation() + 1, want.get().tracks());
                    store.saveRoutes(table);
                    client.putRoutes(table);
                    routes = "; the store was restored from a backup: its routes re-applied as generation "
                            + table.generation();
                } else if (ahead) {
                    // The router only ever took tables the store held first, so a newer (or same-numbered but
                    // different) table there means the store lost writes. What users get is the router's: keep
                    // it and catch the store up, so the next table is numbered after it instead of being refused.
                    store.saveRoutes(have.get());
                    routes = "; it holds generation " + have.get().generation() + ", newer than the store's "
                            + want.map(t -> Long.toString(t.generation())).orElse("(none)")
                            + ": its table was adopted into the store";
                } else if (want.isPresent() && !want.equals(have)) {
                    client.putRoutes(want.get());
                    routes = "; routes re-applied from the store";
                } else {
                    routes = "; routes unchanged";
                }
                events.record(app, null, actor, EventKinds.ROUTER_ADOPTED, "router re-adopted (pid " + r.pid()
                        + ", " + r.listen() + ")" + routes);
                return routes.equals("; routes unchanged");
            }
        }
        events.record(app, null, actor, EventKinds.ROUTER_CRASHED, "router of " + app + " (pid " + r.pid()
                + ") is not running; starting it again with the stored routes");
        clients.remove(app);
        String[] hp = r.listen().split(":(?=[^:]+$)");
        launch(app, new LocalPlatformSpec.ListenAddress(hp[0], Integer.parseInt(hp[1])), actor, "restarted");
        return false;
    }

    /** Supervision tick: a router that died is restarted with its routes. */
    public void supervise(String app) {
        store.router(app).filter(r -> !alive(r)).ifPresent(r -> adoptOrRestart(app, "supervisor"));
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
            c = clients.computeIfAbsent(app, a -> new RouterClient(r.adminPort(), token));
        }
        return c;
    }

    /** Stops the app's router (used by quickstart teardown and tests). */
    public synchronized void stop(String app) {
        store.router(app).ifPresent(this::stopRouter);
        store.removeRouter(app);
        clients.remove(app);
    }

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

    private static boolean healthy(RouterClient client) {
        try {
            client.health();
            return true;
        } catch (DeployGuardException e) {
            return false;
        }
    }
}
