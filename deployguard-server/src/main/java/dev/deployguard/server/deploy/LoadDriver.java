package dev.deployguard.server.deploy;

import dev.deployguard.local.load.SyntheticLoad;
import dev.deployguard.rollout.LoadSpec;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.Durations;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the built-in load of the analysis that is current in a rollout: the step's own {@code load} while an
 * analysis step with one runs, else the strategy analysis' {@code load} for the whole rollout. Started when that
 * analysis becomes current, stopped when it is not any more (the step ended), when the rollout ends (promoted,
 * rolled back, aborted) and after its duration by itself. Each start and stop is an event, with what was sent.
 */
final class LoadDriver {
    private record Current(String key, SyntheticLoad load) {
    }

    private final EventLog events;
    private final Map<String, Current> loads = new ConcurrentHashMap<>();

    LoadDriver(EventLog events) {
        this.events = events;
    }

    /** Matches the app's load to the rollout's current step. */
    void sync(Rollout r, Strategy strategy, RolloutTarget target) {
        LoadSpec wanted = null;
        String key = null;
        if (r.stepIndex() < strategy.steps().size() && strategy.steps().get(r.stepIndex()) instanceof Step.Analysis a
                && a.analysis().load() != null) {
            wanted = a.analysis().load();
            key = r.id() + "/step " + r.stepIndex();
        } else if (strategy.analysis() != null && strategy.analysis().load() != null) {
            wanted = strategy.analysis().load();
            key = r.id() + "/analysis";
        }
        Current current = loads.get(r.app());
        if (current != null && current.key().equals(key)) {
            return;
        }
        stop(r.app(), r.canaryRevision(), "the step ended");
        Optional<URI> base = target.loadTarget(r);
        if (wanted == null || base.isEmpty()) {
            return;
        }
        URI uri = base.get().resolve(wanted.path());
        SyntheticLoad load = new SyntheticLoad(uri, wanted.rate(), wanted.duration(), wanted.headers()).start();
        loads.put(r.app(), new Current(key, load));
        events.record(r.app(), r.canaryRevision(), "system", "load.started", String.format(
                "built-in load: %s requests/s to %s for at most %s, marked %s: 1", number(wanted.rate()),
                wanted.path(), Durations.format(wanted.duration()), SyntheticLoad.SYNTHETIC_HEADER));
    }

    /** Stops the app's load, if one runs. */
    void stop(String app, Integer revision, String why) {
        Current current = loads.remove(app);
        if (current == null) {
            return;
        }
        current.load().stop();
        events.record(app, revision, "system", "load.stopped", String.format(
                "built-in load stopped (%s): %d synthetic requests sent, %d answered, %d failed", why,
                current.load().sent(), current.load().answered(), current.load().failed()));
    }

    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
