// Over 400 lines: a router's whole life (start, settings, adoption, supervision, orphans) in one place.
package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterConfig;
import dev.deployguard.local.router.RouterFiles;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import dev.deployguard.local.router.RouterMain;
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
    private final Map<String, Streak> streaks = new HashMap<>();
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
        Optional<Store.RouterRecord> rec = store.router(app);
        if (rec.isPresent() && alive(rec.get())) {
            RouterClient client = clients.computeIfAbsent(app, a -> new RouterClient(rec.get().adminPort(), token));
            RouterOptions have = runningOptions(app, rec.get());
            boolean sameListen = rec.get().listen().equals(listen.toString());
            if (sameListen && have.equals(want) && healthy(client)) {
                return client;
            }
            if (!sameListen) {
                events.record(app, null, actor, EventKinds.ROUTER_STARTED, "listen address changed from "
                        + rec.get().listen() + " to " + listen + "; restarting the router");
                stopRouter(rec.get());
            } else if (!have.equals(want)) {
                events.record(app, null, actor, EventKinds.ROUTER_STARTED, "router settings changed from "
                        + have.describe() + " to " + want.describe() + "; restarting the router");
                stopRouter(rec.get());
            }
        }
        return launch(app, listen, want, actor, "started");
    }

    /**
     * The settings a running router was started with: from its command line, or (if that cannot be read) from the
     * file they were saved in when it was launched.
     */
    private RouterOptions runningOptions(String app, Store.RouterRecord r) {
        return LocalPlatform.handle(r.pid(), r.processStart())
                .flatMap(h -> h.info().arguments().map(List::of))
                .flatMap(RouterOptions::fromArguments)
                .orElseGet(() -> RouterOptions.load(optionsFile(app)));
    }

    private Path optionsFile(String app) {
        return routerDir.resolve(app + ".options");
    }

    private RouterClient launch(String app, LocalPlatformSpec.ListenAddress listen, RouterOptions options,
                                String actor, String verb) {
        if (!Ports.isFree(listen.host(), listen.port())) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot listen on "
                    + listen + ": the address is already in use by another process; free it or change apps." + app
                    + ".platform.local.listen");
        }
        if (options.tlsListen() != null) {
            String[] hp = options.tlsListen().split(":(?=[^:]+$)");
            if (!Ports.isFree(hp[0], Integer.parseInt(hp[1]))) {
                throw new DeployGuardException(ExitCode.BAD_INPUT, "the router for app '" + app + "' cannot serve"
                        + " HTTPS on " + options.tlsListen() + ": the address is already in use by another process;"
                        + " free it or change apps." + app + ".platform.local.tls.listen");
            }
        }
        int adminPort = Ports.freeLoopbackPort();
        try {
            Files.createDirectories(routerDir);
            options.save(optionsFile(app));
        } catch (java.io.IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot save the router settings of app '" + app
                    + "' in " + routerDir + ": " + e.getMessage());
        }
        // Supervised (issue 16 item 5): a router killed while the control plane is down is back within a second;
        // the pid recorded is the supervisor's, which the router reports as its own. The start waits until the
        // router answers: 30 s is a bound, not a delay (a JVM start took over 10 s on 2 cores at a load of 40).
        RouterConfig config = options.applyTo(new RouterConfig(app, listen.toString(), adminPort,
                routerDir.resolve(app + ".routes.json"), tokenFile));
        RouterHandle h = new RouterLauncher().withSupervisor(true).withStartTimeout(START_TIMEOUT).start(config,
                routerDir.resolve(app + ".log"));
        RouterClient client = new RouterClient(h.adminPort(), token);
        store.routes(app).ifPresent(client::putRoutes);
        store.saveRouter(new Store.RouterRecord(app, h.pid(), h.processStart(), h.adminPort(), listen.toString(),
                h.logFile().toString(), clock.instant()));
        clients.put(app, client);
        String extra = options.equals(RouterOptions.NONE) ? "" : ", " + options.describe();
        events.record(app, null, actor, EventKinds.ROUTER_STARTED, "router " + verb + " on " + listen + " (pid "
                + h.pid() + ", admin port " + h.adminPort() + extra + ")", Map.of("pid", h.pid(), "listen",
                listen.toString()));
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
        launch(app, listenOf(r), RouterOptions.load(optionsFile(app)), actor, "restarted");
        return false;
    }

    /**
     * Supervision tick: a router that died is restarted with its routes, with backoff (1 s doubling to 30 s) so a
     * router that cannot start is not retried (and recorded) on every tick. The first death is one
     * {@code router.crashed} event; the {@value #LOOP_AFTER}th failed restart in a row is one
     * {@code crashloop.detected} event (which opens an incident); later attempts are silent until one works.
     * A router of this state directory that runs under another pid than the record's (the record is stale) is
     * adopted instead of fought over its port.
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
        if (alive(rec.get())) {
            if (streak != null && Duration.between(streak.lastFailure, now).compareTo(Supervisor.STABLE_AFTER) > 0) {
                streaks.remove(app);
            }
            if (routeWriters.tryLock()) {
                try {
                    catchUp(app, rec.get());
                } finally {
                    routeWriters.unlock();
                }
            }
            return;
        }
        if (streak != null && now.isBefore(streak.nextTry)) {
            return;
        }
        Store.RouterRecord r = rec.get();
        Optional<Store.RouterRecord> orphan = orphan(r);
        if (orphan.isPresent()) {
            store.saveRouter(orphan.get());
            events.record(app, null, "supervisor", EventKinds.ROUTER_ADOPTED, "the stored router pid " + r.pid()
                    + " is stale (not running, or another process since); adopting the router of " + app
                    + " that runs as pid " + orphan.get().pid() + " on admin port " + orphan.get().adminPort());
            clients.remove(app);
            adoptOrRestart(app, "supervisor");
            return;
        }
        if (streak == null) {
            streak = new Streak();
            streaks.put(app, streak);
            events.record(app, null, "supervisor", EventKinds.ROUTER_CRASHED, "router of " + app + " (pid "
                    + r.pid() + ") is not running; starting it again with the stored routes",
                    Map.of("pid", r.pid()));
            // The dead pid must not be shown as the router's while it is down.
            store.saveRouter(new Store.RouterRecord(app, 0, null, r.adminPort(), r.listen(), r.logFile(),
                    r.startedAt()));
        }
        streak.failures++;
        streak.lastFailure = now;
        streak.nextTry = now.plus(Supervisor.backoff(streak.failures));
        clients.remove(app);
        try {
            launch(app, listenOf(r), RouterOptions.load(optionsFile(app)), "supervisor", "restarted after " + streak.failures + " attempt(s)");
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
     * with no routes, after its state file was unreadable and set aside. It then gets the stored table at once.
     */
    private void catchUp(String app, Store.RouterRecord r) {
        Optional<RouteTable> want = store.routes(app);
        if (want.isEmpty()) {
            return;
        }
        RouterClient client = clients.computeIfAbsent(app, a -> new RouterClient(r.adminPort(), token));
        long have;
        try {
            have = client.health().generation();
        } catch (DeployGuardException e) {
            return; // Restarting right now: the next tick looks again.
        }
        if (have < want.get().generation()) {
            client.putRoutes(want.get());
            events.record(app, null, "supervisor", EventKinds.ROUTER_ADOPTED, "the router of " + app + " (pid "
                    + r.pid() + ") was restarted by its supervisor and holds generation " + have + "; the stored"
                    + " routes (generation " + want.get().generation() + ") re-applied");
        }
    }

    /** Failed restarts of one app's router in a row. */
    private static final class Streak {
        int failures;
        Instant lastFailure;
        Instant nextTry;
    }

    /**
     * A live router process of this state directory for the record's app, found by its arguments (its state
     * file is unique to the app and the state directory), when the record names another pid.
     */
    private Optional<Store.RouterRecord> orphan(Store.RouterRecord r) {
        Path stateFile = routerDir.resolve(r.app() + ".routes.json");
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != r.pid())
                .flatMap(p -> adminPortOf(p.info().arguments().map(List::of).orElse(List.of()), stateFile)
                        .stream()
                        .map(port -> new Store.RouterRecord(r.app(), p.pid(), p.info().startInstant().orElse(null),
                                port, r.listen(), r.logFile(), clock.instant())))
                .findFirst();
    }

    /**
     * The admin port in a router's arguments if they name {@code stateFile} as its state file. The router process
     * under a supervisor (its arguments carry the supervised flag) is not the router to record: its supervisor,
     * whose arguments name the same files, is.
     */
    static Optional<Integer> adminPortOf(List<String> args, Path stateFile) {
        if (args.contains("-D" + RouterLauncher.SUPERVISED_PROPERTY + "=true") && !args.get(0).equals("-c")) {
            return Optional.empty();
        }
        int state = args.indexOf("--state-file");
        int admin = args.indexOf("--admin-port");
        if (state < 0 || admin < 0 || state + 1 >= args.size() || admin + 1 >= args.size()
                || !args.contains(RouterMain.class.getName())
                || !stateFile.toString().equals(args.get(state + 1))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(args.get(admin + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
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
            c = clients.computeIfAbsent(app, a -> new RouterClient(r.adminPort(), token));
        }
        return c;
    }

    /** Stops the app's router (used by quickstart teardown and tests). */
    public synchronized void stop(String app) {
        store.router(app).ifPresent(this::stopRouter);
        store.removeRouter(app);
        clients.remove(app);
        try {
            Files.deleteIfExists(optionsFile(app));
        } catch (java.io.IOException e) {
            // Only read back for a router of this app, which no longer exists; a new one overwrites it.
        }
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
