package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.health.AppWork;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps serving and warm releases running: a crashed instance is recorded as an event, taken out of the routes,
 * restarted with exponential backoff (1 s doubling to 30 s) and put back once it is ready. Also restarts a dead
 * router. Driven by {@link #tick()} so tests and the control plane choose the pace.
 */
public final class Supervisor {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    static final Duration STABLE_AFTER = Duration.ofSeconds(60);

    private final Store store;
    private final SpecSource specs;
    private final LocalPlatform platform;
    private final RouterProcesses routers;
    private final EventLog events;
    private final AppLocks appLocks;
    private final Clock clock;
    static final Duration APP_LIMIT = Duration.ofSeconds(10);

    private final Map<String, Crash> crashes = new ConcurrentHashMap<>();
    private final AppWork work;

    /** Restart bookkeeping for one instance slot. */
    private static final class Crash {
        int count;
        Instant restartAt;
        Instance restarting;
        Instant lastCrash;
    }

    public Supervisor(Store store, SpecSource specs, LocalPlatform platform, RouterProcesses routers,
                      EventLog events, AppLocks appLocks, Clock clock) {
        this.store = store;
        this.specs = specs;
        this.platform = platform;
        this.routers = routers;
        this.events = events;
        this.appLocks = appLocks;
        this.clock = clock;
        // Wall time: the limit is on real threads, whatever clock drives the backoff.
        this.work = new AppWork("supervisor", APP_LIMIT, Clock.systemUTC());
    }

    /**
     * One pass over every app; never throws. Each app's work runs with a time limit ({@link #APP_LIMIT}): an app
     * whose work hangs is skipped until it ends, and the others are still supervised.
     */
    public synchronized void tick() {
        for (String app : store.apps()) {
            work.run(app, () -> superviseOne(app));
        }
    }

    /** Apps whose supervision has hung past the limit (for {@code /api/health}). */
    public List<LoopHealth.Problem> problems() {
        return work.problems();
    }

    private void superviseOne(String app) {
        var monitor = appLocks.of(app);
        try {
            routers.supervise(app, monitor);
        } catch (RuntimeException e) {
            // Reported through events by the router code; try again next tick.
        }
        if (!monitor.tryLock()) {
            return;
        }
        try {
            superviseApp(app);
        } catch (RuntimeException e) {
            // A broken spec or a store hiccup must not stop supervision of the other apps.
        } finally {
            monitor.unlock();
        }
    }

    private void superviseApp(String app) {
        Optional<AppSpec> spec;
        try {
            spec = specs.get().app(app);
        } catch (DeployGuardException e) {
            spec = Optional.empty();
        }
        if (spec.isEmpty()) {
            return;
        }
        LocalPlatformSpec local = spec.get().local();
        Instant now = clock.instant();
        for (Instance inst : store.instances(app)) {
            Release release = store.release(app, inst.revision()).orElse(null);
            boolean canary = release != null && release.status() == ReleaseStatus.PROGRESSING
                    && store.activeRollout(app).map(r -> r.canaryRevision() == inst.revision()).orElse(false);
            if (release == null || !(canary || release.status() == ReleaseStatus.DEPLOYED
                    || release.status() == ReleaseStatus.SUPERSEDED)) {
                continue;
            }
            if (appLocks.isStopping(inst)) {
                continue;
            }
            String key = app + "/" + inst.revision() + "/" + inst.index();
            Crash crash = crashes.get(key);
            if (crash != null && crash.restarting != null) {
                followRestart(app, release, local, inst, key, crash, now);
                continue;
            }
            if (platform.isAlive(inst)) {
                if (crash != null && crash.lastCrash != null
                        && Duration.between(crash.lastCrash, now).compareTo(STABLE_AFTER) > 0) {
                    crashes.remove(key);
                }
                continue;
            }
            if (crash == null || crash.restartAt == null) {
                crash = crash == null ? new Crash() : crash;
                crash.count++;
                crash.lastCrash = now;
                Duration backoff = backoff(crash.count);
                crash.restartAt = now.plus(backoff);
                crashes.put(key, crash);
                setBackend(app, inst.revision(), inst.address(), null);
                events.record(app, inst.revision(), "supervisor", EventKinds.INSTANCE_CRASHED,
                        "instance " + inst.index() + " of revision " + inst.revision() + " (pid " + inst.pid()
                                + ", port " + inst.port() + ") exited unexpectedly (crash " + crash.count
                                + "); restarting in " + backoff.toMillis() + " ms; last log lines:\n"
                                + LocalPlatform.logTail(inst, 5),
                        Map.of("pid", inst.pid(), "crashCount", crash.count, "backoffMillis", backoff.toMillis()));
                reportLoop(app, inst, crash.count);
            }
            if (!now.isBefore(crash.restartAt)) {
                Instance fresh = platform.start(release, local, inst.index());
                store.saveInstance(fresh);
                crash.restarting = fresh;
                crash.restartAt = null;
            }
        }
    }

    private void followRestart(String app, Release release, LocalPlatformSpec local, Instance recorded, String key,
                               Crash crash, Instant now) {
        Instance fresh = crash.restarting;
        if (platform.probe(fresh, local.readiness().path(), Duration.ofSeconds(1))) {
            crash.restarting = null;
            setBackend(app, release.revision(), recorded.address(), fresh.address());
            events.record(app, release.revision(), "supervisor", EventKinds.INSTANCE_RESTARTED,
                    "instance " + fresh.index() + " of revision " + release.revision() + " restarted: pid "
                            + fresh.pid() + ", port " + fresh.port() + " (after crash " + crash.count + ")",
                    Map.of("pid", fresh.pid(), "port", fresh.port(), "crashCount", crash.count));
        } else if (!platform.isAlive(fresh)) {
            crash.restarting = null;
            crash.count++;
            crash.lastCrash = now;
            Duration backoff = backoff(crash.count);
            crash.restartAt = now.plus(backoff);
            events.record(app, release.revision(), "supervisor", EventKinds.INSTANCE_CRASHED,
                    "instance " + fresh.index() + " of revision " + release.revision() + " exited again while"
                            + " starting (crash " + crash.count + "); next try in " + backoff.toMillis() + " ms",
                    Map.of("pid", fresh.pid(), "crashCount", crash.count, "backoffMillis", backoff.toMillis()));
            reportLoop(app, fresh, crash.count);
        }
    }

    /** The {@value RouterProcesses#LOOP_AFTER}th crash in a row is a crash loop: one event, which opens an incident. */
    private void reportLoop(String app, Instance inst, int count) {
        if (count == RouterProcesses.LOOP_AFTER) {
            events.record(app, inst.revision(), "supervisor", EventKinds.CRASH_LOOP, "instance " + inst.index()
                    + " of revision " + inst.revision() + " crashed " + count + " times in a row; restarts go on with"
                    + " backoff up to " + MAX_BACKOFF.toSeconds() + " s; last log lines:\n" + LocalPlatform.logTail(inst, 5),
                    Map.of("component", "instance", "index", inst.index(), "failures", count));
        }
    }

    static Duration backoff(int crashCount) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(crashCount - 1, 10);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    /**
     * Replaces (or with {@code to == null} removes) one backend of the track serving {@code revision}; a track
     * is never left empty, since an answer from a sick backend beats none.
     */
    private void setBackend(String app, int revision, String from, String to) {
        Optional<RouteTable> current = store.routes(app);
        if (current.isEmpty()) {
            return;
        }
        List<Track> tracks = new ArrayList<>();
        boolean changed = false;
        for (Track t : current.get().tracks()) {
            if (t.revision() == revision && (t.backends().contains(from) || to != null)) {
                List<String> backends = new ArrayList<>(t.backends());
                backends.remove(from);
                if (to != null && !backends.contains(to)) {
                    backends.add(to);
                }
                if (backends.isEmpty()) {
                    tracks.add(t);
                    continue;
                }
                tracks.add(new Track(t.name(), t.revision(), t.weightBasisPoints(), backends));
                changed = true;
            } else {
                tracks.add(t);
            }
        }
        if (changed) {
            RouteTable next = new RouteTable(app, current.get().generation() + 1, tracks);
            store.saveRoutes(next);
            try {
                routers.apply(next);
            } catch (DeployGuardException e) {
                // The router comes back with the stored table when it is restarted.
            }
        }
    }
}
