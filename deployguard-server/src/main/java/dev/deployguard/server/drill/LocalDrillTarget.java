package dev.deployguard.server.drill;

import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.DrillSpec;
import dev.deployguard.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A drill on the local platform: deploys and rollbacks through {@link Deployer} (what {@code deployguard deploy}
 * and {@code rollback} use), a progressive strategy's rollout promoted to its end, the state read by
 * {@link StateObserver} (instances, the router's table, the probes' answers).
 */
final class LocalDrillTarget implements DrillScript.Target {
    private final Store store;
    private final Deployer deployer;
    private final DrillRollouts rollouts;
    private final StateObserver observer;
    private final AppSpec app;
    private final List<DrillSpec.Probe> probes;
    private final Duration timeout;
    private final String actor;

    LocalDrillTarget(Store store, Deployer deployer, DrillRollouts rollouts, StateObserver observer,
                     AppSpec app, List<DrillSpec.Probe> probes, Duration timeout, String actor) {
        this.store = store;
        this.deployer = deployer;
        this.rollouts = rollouts;
        this.observer = observer;
        this.app = app;
        this.probes = probes;
        this.timeout = timeout;
        this.actor = actor;
    }

    @Override
    public Optional<Release> serving() {
        return store.history(app.name()).stream().filter(r -> r.status() == ReleaseStatus.DEPLOYED)
                .reduce((a, b) -> b);
    }

    @Override
    public Release deploy(String version, String cause) {
        Release r = deployer.deploy(new Deployer.DeployRequest(app.name(), version, cause, true, timeout, actor))
                .release();
        return rollouts.settle(app.name(), r);
    }

    @Override
    public String rollback(Release to, String cause) {
        return deployer.rollback(app.name(), to.revision(), cause, actor).message();
    }

    @Override
    public ObservedState observe() {
        return observer.observe(app.name(), app.local(), probes);
    }

    @Override
    public String serves(ObservedState s) {
        List<String> bad = new ArrayList<>();
        String ready = s.fields().get(StateObserver.READY);
        String[] rt = ready.split("/");
        if (!rt[0].equals(rt[1]) || rt[1].equals("0")) {
            bad.add(ready + " instances ready");
        }
        for (DrillSpec.Probe p : probes) {
            Integer status = StateObserver.status(s, p);
            if (status == null || status != p.expectStatus()) {
                bad.add("GET " + p.path() + " answered " + s.fields().get(StateObserver.probeField(p, "status"))
                        + ", expected " + p.expectStatus());
            }
        }
        return bad.isEmpty() ? null : String.join("; ", bad);
    }

    @Override
    public String describe(ObservedState s) {
        return s.fields().get(StateObserver.READY) + " instances ready";
    }
}
