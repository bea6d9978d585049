package dev.deployguard.server.deploy.local;

import dev.deployguard.platform.Instance;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.traffic.RouteTable;

/**
 * A local blue/green rollout: the new release is reachable on its own preview router with no user traffic (the app's
 * router keeps it at weight 0) until all traffic switches at promotion; the preview router stops after the switch.
 */
public final class LocalBlueGreenTarget extends LocalTarget {
    LocalBlueGreenTarget(Parts parts, AppSpec app) {
        super(parts, app);
    }

    @Override
    public void begin(Rollout r, String actor) {
        String listen = ((Strategy.BlueGreen) app.strategy()).previewListen();
        String[] hp = listen.split(":(?=[^:]+$)");
        String key = previewRouter(r.app());
        parts.routers().ensure(key, new LocalPlatformSpec.ListenAddress(hp[0], Integer.parseInt(hp[1])), actor);
        long generation = parts.store().routes(key).map(RouteTable::generation).orElse(0L) + 1;
        RouteTable table = RouteTable.single(key, generation, r.canaryRevision(),
                parts.instances().instancesOf(r.app(), r.canaryRevision()).stream().map(Instance::address).toList());
        parts.store().saveRoutes(table);
        parts.routers().apply(table);
        parts.events().record(r.app(), r.canaryRevision(), actor, "preview.started", "revision "
                + r.canaryRevision() + " previewed on " + listen + " with no user traffic");
        setWeight(r, 0, actor);
    }

    @Override
    void afterSwitch(Rollout r) {
        String key = previewRouter(r.app());
        if (parts.store().router(key).isPresent()) {
            parts.routers().stop(key);
        }
    }

    private static String previewRouter(String app) {
        return app + "-preview";
    }
}
