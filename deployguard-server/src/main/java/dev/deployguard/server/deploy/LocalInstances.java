package dev.deployguard.server.deploy;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.TrafficRouter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The running instances of local apps as deploys and rollouts change them: all traffic to a set of instances, stop
 * (after the router drained them), clean up what no longer serves. Shared by {@link Deployer} and the local rollout
 * targets, so neither needs the other.
 */
public final class LocalInstances {
    private final Store store;
    private final LocalPlatform platform;
    private final TrafficRouter router;
    private final EventLog events;
    private final AppLocks appLocks;
    private final Clock clock;

    public LocalInstances(Store store, LocalPlatform platform, TrafficRouter router, EventLog events,
                          AppLocks appLocks, Clock clock) {
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.events = events;
        this.appLocks = appLocks;
        this.clock = clock;
    }

    /** Points 100% of the app's traffic at these instances; returns how long the router took. */
    public long switchTraffic(Release release, List<Instance> instances, String actor) {
        var monitor = appLocks.of(release.app());
        monitor.lock();
        try {
            long generation = store.routes(release.app()).map(RouteTable::generation).orElse(0L) + 1;
            RouteTable table = RouteTable.single(release.app(), generation, release.revision(),
                    instances.stream().map(Instance::address).toList());
            store.saveRoutes(table);
            long t0 = System.nanoTime();
            router.apply(table);
            long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            events.record(release.app(), release.revision(), actor, EventKinds.TRAFFIC_SWITCHED,
                    "100% of traffic to revision " + release.revision() + " (" + release.version() + ") on "
                            + table.tracks().get(0).backends(),
                    Map.of("generation", generation, "switchMillis", millis));
            return millis;
        } finally {
            monitor.unlock();
        }
    }

    /** Stops every instance of the app not in {@code keep}, after the router drained it. */
    public void cleanup(String app, LocalPlatformSpec local, List<Integer> keep, String actor) {
        stopAll(store.instances(app).stream().filter(i -> !keep.contains(i.revision())).toList(), local, actor,
                "no longer serving");
    }

    /** Stops instances concurrently: each may take its whole grace period, and they do not wait on each other. */
    public void stopAll(List<Instance> instances, LocalPlatformSpec local, String actor, String why) {
        List<Thread> threads = new ArrayList<>();
        for (Instance i : instances) {
            Thread t = new Thread(() -> stopInstance(i, local, actor, why), "stop-" + i.app() + "-" + i.pid());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void stopInstance(Instance i, LocalPlatformSpec local, String actor, String why) {
        appLocks.stopping(i, true);
        try {
            // Written before it is acted on: a control plane that dies during the drain or the grace period
            // must not find this instance recorded, dead, and restart it as crashed; the next one stops it if it
            // still runs (ControlPlane.stopUnrecorded). No app monitor here: stops run on their own threads while
            // the caller may hold it; the stopping mark keeps the supervisor away meanwhile.
            store.removeInstance(i.app(), i.revision(), i.index());
            drain(i, local.stop().gracePeriod());
            platform.stop(i, local.stop());
        } finally {
            appLocks.stopping(i, false);
        }
        events.record(i.app(), i.revision(), actor, EventKinds.INSTANCE_STOPPED,
                "instance " + i.index() + " of revision " + i.revision() + " (pid " + i.pid() + ") stopped: " + why);
    }

    /** Waits (bounded) until the router has no request in flight to this instance. */
    private void drain(Instance i, Duration max) {
        Instant deadline = clock.instant().plus(max);
        while (clock.instant().isBefore(deadline)) {
            int inFlight;
            try {
                inFlight = router.inFlight(i.app(), i.address());
            } catch (DeployGuardException e) {
                return;
            }
            if (inFlight == 0) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The app's recorded instances of one revision. */
    public List<Instance> instancesOf(String app, int revision) {
        return store.instances(app).stream().filter(i -> i.revision() == revision).toList();
    }
}
