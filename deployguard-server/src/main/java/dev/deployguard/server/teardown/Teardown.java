package dev.deployguard.server.teardown;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.AppLocks;
import dev.deployguard.server.deploy.LocalInstances;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.RouterStop;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Takes apps of the local platform down: {@code stop} (instances and router down, history kept), {@code delete}
 * (the same, then the app's records and logs removed unless the history is kept) and {@code down} (every app this
 * control plane started). Refuses while a rollout or another operation holds the app, and for apps on Kubernetes,
 * whose workloads belong to kubectl and helm.
 */
public final class Teardown {
    /** Event kinds recorded here. */
    public static final String STOPPED = "app.stopped";
    public static final String DELETED = "app.deleted";

    private final Store store;
    private final SpecSource specs;
    private final LocalPlatform platform;
    private final RouterProcesses routers;
    private final EventLog events;
    private final LocalInstances instances;
    private final AppLocks appLocks;
    private final Predicate<String> onKubernetes;
    private final Path stateDir;
    private final Clock clock;
    private final String holder;

    /** What was taken down for one app: the PIDs that were stopped, and a sentence for people. */
    public record Result(String app, List<Long> instancePids, List<Long> routerPids, String message) {
        public Result {
            instancePids = List.copyOf(instancePids);
            routerPids = List.copyOf(routerPids);
        }
    }

    public Teardown(Store store, SpecSource specs, LocalPlatform platform, RouterProcesses routers, EventLog events,
                    LocalInstances instances, AppLocks appLocks, Predicate<String> onKubernetes, Path stateDir,
                    Clock clock, String holder) {
        this.store = store;
        this.specs = specs;
        this.platform = platform;
        this.routers = routers;
        this.events = events;
        this.instances = instances;
        this.appLocks = appLocks;
        this.onKubernetes = onKubernetes;
        this.stateDir = stateDir;
        this.clock = clock;
        this.holder = holder;
    }

    /** Stops the app's instances and router; its releases and events stay, and a deploy brings it back. */
    public Result stop(String app, String actor) {
        requireLocal(app);
        Store.AppLock lock = store.lock(app, "stop", holder, actor, clock.instant());
        try {
            requireNoRollout(app);
            Stopped s = stopProcesses(app, actor);
            String message = s.nothing() ? "app '" + app + "' had nothing running; nothing to stop"
                    : "stopped app '" + app + "': " + s.describe() + "; history kept (deployguard history " + app
                    + "); bring it back with: deployguard deploy " + app + " --version "
                    + s.serving.map(Release::version).orElse("VERSION");
            events.record(app, s.serving.map(Release::revision).orElse(null), actor, STOPPED, message, s.data());
            return new Result(app, s.instancePids, s.routerPids, message);
        } finally {
            store.unlock(lock);
        }
    }

    /**
     * Stops the app, then removes its records from the store and its logs from the state directory; with
     * {@code keepHistory} the releases, events and logs stay (as {@code helm uninstall --keep-history}).
     */
    public Result delete(String app, boolean keepHistory, String actor) {
        requireLocal(app);
        Store.AppLock lock = store.lock(app, "delete", holder, actor, clock.instant());
        Stopped s;
        try {
            requireNoRollout(app);
            s = stopProcesses(app, actor);
        } finally {
            store.unlock(lock);
        }
        String declared = specs.get().app(app).isPresent() ? "; it is still declared in " + specs.file()
                + " (remove it there to stop listing it)" : "";
        String message;
        if (keepHistory) {
            message = "deleted app '" + app + "': " + s.describe() + "; history kept (deployguard history " + app
                    + ")" + declared;
        } else {
            Store.AppRemoved removed = store.removeApp(app);
            deleteTree(stateDir.resolve("logs").resolve(app));
            for (String file : List.of(app + ".routes.json", app + ".log", app + "-preview.routes.json",
                    app + "-preview.log")) {
                deleteTree(stateDir.resolve("routers").resolve(file));
            }
            message = "deleted app '" + app + "': " + s.describe() + "; removed its history (" + removed.releases()
                    + " revision(s), " + removed.events() + " event(s), " + removed.rollouts() + " rollout(s)) and"
                    + " logs; its incidents are kept" + declared;
        }
        Map<String, Object> data = new LinkedHashMap<>(s.data());
        data.put("keepHistory", keepHistory);
        // Recorded even when the history is gone: who deleted the app, and when, stays on the record.
        events.record(app, null, actor, DELETED, message, data);
        return new Result(app, s.instancePids, s.routerPids, message);
    }

    /**
     * Stops every app of the local platform this control plane runs. All or nothing at the start: refused, naming
     * the apps, while any of them has a rollout or operation in progress. Apps on Kubernetes are left alone.
     */
    public List<Result> down(String actor) {
        List<String> apps = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        for (String app : store.apps()) {
            if (onKubernetes.test(app)) {
                continue;
            }
            apps.add(app);
            store.activeRollout(app).ifPresent(r -> busy.add(RolloutRunner.busy(app, r).getMessage()));
            store.currentLock(app).ifPresent(l -> busy.add("app '" + app + "' is busy: " + l.operation() + " by "
                    + l.actor() + " since " + l.acquiredAt()));
        }
        if (!busy.isEmpty()) {
            throw new DeployGuardException(ExitCode.BUSY, "nothing was stopped: "
                    + String.join("; ", busy) + ". Wait for it, or promote/abort the rollout, then run down again");
        }
        List<Result> results = new ArrayList<>();
        for (String app : apps) {
            results.add(stop(app, actor));
        }
        // The host router stops with its last app; one that serves an app the store forgot stops here too.
        routers.stopHostRouter();
        return results;
    }

    private void requireLocal(String app) {
        if (onKubernetes.test(app)) {
            throw DeployGuardException.badInput("app '" + app + "' runs on Kubernetes: stop and delete take down"
                    + " apps of the local platform; scale or remove it with kubectl or helm");
        }
        if (store.history(app).isEmpty() && store.router(app).isEmpty()) {
            specs.app(app); // unknown app: NOT_FOUND naming the apps the spec declares
        }
    }

    /** Checked under the app's lock: a deploy takes the same lock before it begins a rollout. */
    private void requireNoRollout(String app) {
        store.activeRollout(app).ifPresent(r -> {
            throw RolloutRunner.busy(app, r);
        });
    }

    /** What one teardown stopped; {@code routerStops} for the app and its preview, in that order. */
    private record Stopped(String app, Optional<Release> serving, List<Long> instancePids, List<Long> routerPids,
                           List<RouterStop> routerStops) {
        boolean nothing() {
            return instancePids.isEmpty() && routerPids.isEmpty() && serving.isEmpty();
        }

        String describe() {
            return instancePids.size() + " instance(s) " + instancePids + " stopped" + routers()
                    + serving.map(r -> "; revision " + r.revision() + " (" + r.version()
                    + ") no longer serves and is marked SUPERSEDED").orElse("");
        }

        /** The host router serves several apps: its listener goes, the process stops only with its last app. */
        private String routers() {
            StringBuilder text = new StringBuilder();
            List<String> names = List.of(app, app + "-preview");
            List<String> listeners = new ArrayList<>();
            Long host = null;
            Long hostStopped = null;
            for (int i = 0; i < routerStops.size(); i++) {
                RouterStop s = routerStops.get(i);
                if (s.listenerOn() != null) {
                    listeners.add(names.get(i));
                    host = s.listenerOn();
                }
                if (s.hostStopped() != null) {
                    hostStopped = s.hostStopped();
                }
                if (s.ownRouter() != null) {
                    text.append("; router of ").append(names.get(i)).append(" (pid ").append(s.ownRouter())
                            .append(") stopped");
                }
            }
            if (host != null) {
                text.append("; listener of ").append(String.join(" and ", listeners))
                        .append(" removed from the host router (pid ").append(host).append(")")
                        .append(host.equals(hostStopped) ? ", which then stopped: it served no other app"
                                : ", which keeps serving other apps");
            } else if (hostStopped != null) {
                text.append("; the host router (pid ").append(hostStopped).append(") stopped: it served no app");
            }
            return text.toString();
        }

        Map<String, Object> data() {
            return Map.of("instancePids", instancePids, "routerPids", routerPids);
        }
    }

    /**
     * Instances first (each drained at the router, then stopped with the spec's signal), then the routers. The app's
     * monitor is held throughout so the supervisor does not take a stopped instance for a crash and restart it.
     */
    private Stopped stopProcesses(String app, String actor) {
        var monitor = appLocks.of(app);
        monitor.lock();
        try {
            return stopProcessesLocked(app, actor);
        } finally {
            monitor.unlock();
        }
    }

    private Stopped stopProcessesLocked(String app, String actor) {
        List<Instance> instances = store.instances(app);
        List<Long> instancePids = instances.stream().map(Instance::pid).toList();
        Optional<AppSpec> spec = specs.get().app(app);
        if (spec.isPresent() && spec.get().local() != null) {
            this.instances.stopAll(instances, spec.get().local(), actor, "app stopped");
        } else {
            // No longer declared: nothing says how it wants to be stopped, so it is killed.
            for (Instance i : instances) {
                platform.kill(i);
                store.removeInstance(app, i.revision(), i.index());
            }
        }
        List<Long> routerPids = new ArrayList<>();
        List<RouterStop> routerStops = new ArrayList<>();
        for (String name : List.of(app, app + "-preview")) {
            store.router(name).ifPresent(r -> routerPids.add(r.pid()));
            routerStops.add(routers.stop(name));
            // An empty table: a router started by the next deploy must not send users to the stopped ports.
            store.routes(name).filter(t -> !t.tracks().isEmpty())
                    .ifPresent(t -> store.saveRoutes(new RouteTable(name, t.generation() + 1, List.of())));
        }
        Optional<Release> serving = store.history(app).stream()
                .filter(r -> r.status() == ReleaseStatus.DEPLOYED).reduce((a, b) -> b);
        // Nothing serves any more; SUPERSEDED keeps it a target for "the release that last served" in history.
        serving.ifPresent(r -> store.setStatus(app, r.revision(), ReleaseStatus.SUPERSEDED));
        return new Stopped(app, serving, instancePids, routerPids, routerStops);
    }

    private static void deleteTree(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Logs left behind are harmless; the records are what delete promises to remove.
        }
    }
}
