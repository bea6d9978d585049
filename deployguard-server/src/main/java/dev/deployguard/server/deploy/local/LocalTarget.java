package dev.deployguard.server.deploy.local;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackKind;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.local.process.ProcResources;
import dev.deployguard.event.EventKinds;
import dev.deployguard.local.router.RouterMetricSource;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.MetricSourceSpec;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.LocalInstances;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.metrics.MetricSources;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.Store;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a rollout does on the one-host platform, for both strategies: weights are route tables applied at the app's
 * router, promotion and rollback are switches of all traffic to still-warm instances, finishing stops what no longer
 * serves. Evidence comes from the router's per-request windows unless the spec names another source.
 */
public abstract sealed class LocalTarget implements RolloutTarget permits LocalCanaryTarget, LocalBlueGreenTarget {
    /** What a local target works with: the store, the app's routers, the event log, the instances' lifecycle. */
    public record Parts(Store store, RouterProcesses routers, EventLog events, LocalInstances instances,
                        Clock clock) {
    }

    final Parts parts;
    final AppSpec app;

    LocalTarget(Parts parts, AppSpec app) {
        this.parts = parts;
        this.app = app;
    }

    /** The local target of {@code app}'s strategy (canary or blue/green). */
    public static LocalTarget of(Parts parts, AppSpec app) {
        return switch (app.strategy().rolloutKind()) {
            case CANARY -> new LocalCanaryTarget(parts, app);
            case BLUE_GREEN -> new LocalBlueGreenTarget(parts, app);
        };
    }

    @Override
    public Progress apply(Action action, Rollout r, String actor) {
        if (action instanceof Action.SetWeight w) {
            setWeight(r, w.basisPoints(), actor);
        } else if (action instanceof Action.Promote) {
            promote(r, actor);
        } else if (action instanceof Action.RollBack rb) {
            rollBack(r, rb.reason(), actor);
        } else if (action instanceof Action.Finish) {
            finish(r, actor);
        } else {
            throw new IllegalArgumentException("not a platform action: " + action);
        }
        return Progress.DONE;
    }

    /** The app's router: it splits synthetic requests between the tracks by their weights, as user traffic. */
    @Override
    public java.util.Optional<java.net.URI> loadTarget(Rollout r) {
        return app.local() == null ? java.util.Optional.empty()
                : java.util.Optional.of(java.net.URI.create("http://" + app.local().listen()));
    }

    @Override
    public MetricSource evidence(Rollout r, Instant since) {
        MetricSourceSpec source = app.strategy().analysis().source();
        if (source != null) {
            return MetricSources.of(source);
        }
        return new RouterMetricSource(from -> parts.routers().client(r.app()).metrics(from), r.stableRevision(),
                r.canaryRevision(), since);
    }

    @Override
    public MetricQuery builtins(Rollout r, Instant since) {
        RouterMetricSource router = new RouterMetricSource(from -> parts.routers().client(r.app()).metrics(from),
                r.stableRevision(), r.canaryRevision(), since);
        return new LocalMeasures(router, new ProcResources(), rev -> parts.instances().instancesOf(r.app(), rev)
                .stream().map(Instance::pid).toList(), r.stableRevision(), r.canaryRevision(), since);
    }

    void setWeight(Rollout r, int bp, String actor) {
        List<Instance> stable = parts.instances().instancesOf(r.app(), r.stableRevision());
        List<Instance> canary = parts.instances().instancesOf(r.app(), r.canaryRevision());
        Store store = parts.store();
        long generation = store.routes(r.app()).map(RouteTable::generation).orElse(0L) + 1;
        RouteTable table = new RouteTable(r.app(), generation, List.of(
                new Track(TrackKind.STABLE.trackName(), r.stableRevision(), Track.FULL - bp,
                        stable.stream().map(Instance::address).toList()),
                new Track(TrackKind.CANARY.trackName(), r.canaryRevision(), bp,
                        canary.stream().map(Instance::address).toList())));
        store.saveRoutes(table);
        parts.routers().apply(table);
        parts.events().record(r.app(), r.canaryRevision(), actor, EventKinds.TRAFFIC_SWITCHED, "canary weight "
                + RolloutEngine.percent(bp) + " (revision " + r.canaryRevision() + "), stable "
                + RolloutEngine.percent(Track.FULL - bp) + " (revision " + r.stableRevision() + ")",
                Map.of("generation", generation, "weight", bp));
    }

    private void promote(Rollout r, String actor) {
        Release canary = parts.store().release(r.app(), r.canaryRevision()).orElseThrow();
        parts.instances().switchTraffic(canary, parts.instances().instancesOf(r.app(), r.canaryRevision()), actor);
        parts.store().markDeployed(r.app(), r.canaryRevision());
        afterSwitch(r);
    }

    private void rollBack(Rollout r, String reason, String actor) {
        Store store = parts.store();
        Release stable = store.release(r.app(), r.stableRevision()).orElseThrow();
        long ms = parts.instances().switchTraffic(stable, parts.instances().instancesOf(r.app(), r.stableRevision()),
                actor);
        store.markDeployed(r.app(), r.stableRevision());
        store.setStatus(r.app(), r.canaryRevision(), ReleaseStatus.ROLLED_BACK);
        parts.events().record(r.app(), r.canaryRevision(), actor, "system".equals(actor) ? "rollback.automatic"
                : EventKinds.ROLLBACK_SUCCEEDED, "all traffic back on revision " + r.stableRevision() + " in " + ms
                + " ms; revision " + r.canaryRevision() + " ROLLED_BACK: " + reason,
                Map.of("switchMillis", ms, "from", r.canaryRevision(), "to", r.stableRevision(),
                        "detectSeconds", Duration.between(r.startedAt(), parts.clock().instant()).toMillis() / 1000.0,
                        "automatic", "system".equals(actor)));
        afterSwitch(r);
        parts.instances().stopAll(parts.instances().instancesOf(r.app(), r.canaryRevision()), app.local(), actor,
                "rolled back: " + reason);
    }

    private void finish(Rollout r, String actor) {
        List<Integer> keep = new ArrayList<>(List.of(r.canaryRevision()));
        if (app.local().keepPreviousWarm()) {
            keep.add(r.stableRevision());
        }
        parts.instances().cleanup(r.app(), app.local(), keep, actor);
        parts.events().record(r.app(), r.canaryRevision(), actor, EventKinds.DEPLOY_SUCCEEDED, "revision "
                + r.canaryRevision() + " promoted and baked; it serves 100% of " + r.app() + " traffic; revision "
                + r.stableRevision() + (app.local().keepPreviousWarm() ? " stays warm for a fast rollback"
                : " is stopped"));
    }

    /** After all traffic switched one way or the other (promotion or rollback). */
    abstract void afterSwitch(Rollout r);
}
