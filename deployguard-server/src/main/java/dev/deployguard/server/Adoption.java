package dev.deployguard.server;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * After a restart (or on winning the lease), takes over what a previous control plane left running instead of
 * starting duplicates: instances the store wants are re-adopted, the rest stopped; routers are adopted or restarted;
 * revisions caught mid-deploy are marked FAILED; rollouts resume, unless the router held newer routes than the store
 * (then they are paused for a person to look).
 */
final class Adoption {
    private final Store store;
    private final SpecSource specs;
    private final LocalPlatform platform;
    private final RouterProcesses routers;
    private final EventLog events;
    private final RolloutRunner rollouts;
    private final Path stateDir;

    Adoption(Store store, SpecSource specs, LocalPlatform platform, RouterProcesses routers, EventLog events,
             RolloutRunner rollouts, Path stateDir) {
        this.store = store;
        this.specs = specs;
        this.platform = platform;
        this.routers = routers;
        this.events = events;
        this.rollouts = rollouts;
        this.stateDir = stateDir;
    }

    /** Re-adopts every app, then resumes (or holds) the stored rollouts. */
    void adoptAll() {
        List<String> routerAhead = new ArrayList<>();
        for (String app : store.apps()) {
            if (adopt(app)) {
                routerAhead.add(app);
            }
        }
        try {
            // Every router has now taken the restored store's routes; from here on a router ahead means lost writes.
            Files.deleteIfExists(stateDir.resolve(RouterProcesses.RESTORED_MARKER));
        } catch (IOException e) {
            events.record(null, null, "system", EventKinds.ROUTER_ADOPTED, "cannot remove the restore marker "
                    + RouterProcesses.RESTORED_MARKER + ": " + e.getMessage() + "; remove it by hand");
        }
        rollouts.resumeAll();
        for (String app : routerAhead) {
            holdRollout(app);
        }
    }

    /**
     * The router was ahead of the store, so the stored rollout may be behind what users get (a step or an ending
     * that was carried out but not kept): resuming it would set weights the router already left. It is paused for
     * a person to look, never driven against the router.
     */
    private void holdRollout(String app) {
        if (!rollouts.hasActive(app)) {
            return;
        }
        try {
            rollouts.command(app, RolloutEngine.Command.PAUSE, "system");
            events.record(app, null, "system", "rollout.held", "the router holds newer routes than the store,"
                    + " so the stored rollout may be behind what users get; it is paused instead of resumed: check"
                    + " `deployguard status " + app + "`, then resume, promote or abort it");
        } catch (DeployGuardException e) {
            // Already paused, or baking (promoted: its weights are final): nothing to hold.
        }
    }

    /** Re-adopts one app's instances and router; true if the router was ahead of the store (its table adopted). */
    private boolean adopt(String app) {
        Integer canary = store.activeRollout(app).map(Rollout::canaryRevision).orElse(null);
        for (Release r : store.history(app)) {
            if ((r.status() == ReleaseStatus.PROGRESSING || r.status() == ReleaseStatus.PENDING)
                    && !Integer.valueOf(r.revision()).equals(canary)) {
                store.setStatus(app, r.revision(), ReleaseStatus.FAILED);
                events.record(app, r.revision(), "system", "deploy.interrupted", "revision " + r.revision()
                        + " (" + r.version() + ") was in progress when the previous control plane stopped; marked"
                        + " FAILED (traffic was never switched to it unless it became DEPLOYED)");
            }
        }
        for (Instance i : store.instances(app)) {
            Release r = store.release(app, i.revision()).orElse(null);
            boolean wanted = r != null && (r.status() == ReleaseStatus.DEPLOYED
                    || r.status() == ReleaseStatus.SUPERSEDED || Integer.valueOf(r.revision()).equals(canary));
            if (platform.isAlive(i) && wanted) {
                events.record(app, i.revision(), "system", EventKinds.INSTANCE_ADOPTED, "instance " + i.index()
                        + " of revision " + i.revision() + " re-adopted (pid " + i.pid() + ", port " + i.port() + ")",
                        Map.of("pid", i.pid(), "port", i.port()));
            } else if (!wanted) {
                if (platform.isAlive(i)) {
                    platform.kill(i);
                }
                store.removeInstance(app, i.revision(), i.index());
            }
            // Wanted but dead: the supervisor restarts it with backoff and records the crash.
        }
        stopUnrecorded(app);
        Optional<RouteTable> stored = store.routes(app);
        try {
            routers.adoptOrRestart(app, "system");
        } catch (DeployGuardException e) {
            events.record(app, null, "system", EventKinds.ROUTER_CRASHED, "cannot bring the router back: "
                    + e.getMessage());
        }
        return !store.routes(app).equals(stored);
    }

    /**
     * The store says which instances run; the world may hold more: a duplicate of an instance (its replacement's
     * start was stored, the old one's stop was not) or an instance whose stop was under way when the previous
     * control plane died (its record is removed before it is stopped). Neither is wanted: each is stopped, never
     * adopted or restarted.
     */
    private void stopUnrecorded(String app) {
        List<Instance> recorded = store.instances(app);
        Optional<AppSpec> spec;
        try {
            spec = specs.get().app(app);
        } catch (DeployGuardException e) {
            spec = Optional.empty(); // a broken spec file: stop them without its grace period
        }
        for (Instance found : platform.running(app)) {
            boolean known = recorded.stream().anyMatch(i -> i.pid() == found.pid() && platform.isAlive(i));
            if (known) {
                continue;
            }
            Instance slot = recorded.stream().filter(i -> i.revision() == found.revision()
                    && i.index() == found.index()).findFirst().orElse(null);
            if (spec.isPresent()) {
                platform.stop(found, spec.get().local().stop());
            } else {
                platform.kill(found);
            }
            events.record(app, found.revision(), "system", EventKinds.INSTANCE_STOPPED, "instance " + found.index()
                    + " of revision " + found.revision() + " (pid " + found.pid() + ") stopped on adoption: "
                    + (slot == null ? "the store records no such instance (its stop was under way when the previous"
                    + " control plane stopped)" : "a duplicate of the recorded instance (pid " + slot.pid() + ")"),
                    Map.of("pid", found.pid(), "duplicateOf", slot == null ? 0 : slot.pid()));
        }
    }

    /**
     * Whether {@code address} is held by a live router a control plane on {@code store} started for the app (or its
     * preview): the checklist's port check then knows the port is taken by our own router.
     */
    static boolean ownsRouter(Store store, String app, LocalPlatformSpec.ListenAddress address) {
        for (String name : List.of(app, app + "-preview")) {
            var record = store.router(name).orElse(null);
            if (record != null && address.toString().equals(record.listen())
                    && LocalPlatform.handle(record.pid(), record.processStart()).isPresent()) {
                return true;
            }
        }
        return false;
    }
}
