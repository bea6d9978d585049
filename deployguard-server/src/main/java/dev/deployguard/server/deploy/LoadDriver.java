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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the built-in load of the analysis that is current in a rollout: the step's own {@code load} while an
 * analysis step with one runs, else the strategy analysis' {@code load} for the whole rollout. Started when that
 * analysis becomes current, stopped when it is not any more (the step ended), when the rollout ends (promoted,
 * rolled back, aborted) and after its duration by itself. Each start and stop is an event, with what was sent.
 */
final class LoadDriver {
    /** The running load of an app: one sender per target, the rate shared between them. */
    private record Current(String key, List<SyntheticLoad> senders) {
        long sum(java.util.function.ToLongFunction<SyntheticLoad> count) {
            return senders.stream().mapToLong(count).sum();
        }
    }

    private final EventLog events;
    private final Map<String, Current> loads = new ConcurrentHashMap<>();
    /** The load (app and key) already reported as having nowhere to go, so it is said once. */
    private final Map<String, String> unreachable = new ConcurrentHashMap<>();

    /** The header naming the track a synthetic request was sent to, when each track gets its own share. */
    static final String TRACK_HEADER = "X-DeployGuard-Track";

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
        if (wanted == null) {
            return;
        }
        Map<String, URI> targets = target.loadTargets(r);
        if (targets.isEmpty()) {
            if (!key.equals(unreachable.put(r.app(), key))) {
                events.record(r.app(), r.canaryRevision(), "system", "load.unavailable", "built-in load not sent:"
                        + " this rollout has no address to send it to (on Kubernetes: set"
                        + " platform.kubernetes.traffic.loadTargets, or run the control plane in the cluster)");
            }
            return;
        }
        double each = wanted.rate() / targets.size();
        List<SyntheticLoad> senders = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (Map.Entry<String, URI> t : new TreeMap<>(targets).entrySet()) {
            Map<String, String> headers = new LinkedHashMap<>(wanted.headers());
            if (targets.size() > 1) {
                headers.put(TRACK_HEADER, t.getKey()); // sent to one track's Service: say which
            }
            senders.add(new SyntheticLoad(t.getValue().resolve(wanted.path()), each, wanted.duration(), headers)
                    .start());
            where.add(targets.size() > 1 ? t.getKey() + " " + t.getValue() : t.getValue().toString());
        }
        loads.put(r.app(), new Current(key, senders));
        events.record(r.app(), r.canaryRevision(), "system", "load.started", String.format(
                "built-in load: %s requests/s to %s for at most %s, marked %s: 1%s", number(wanted.rate()),
                wanted.path(), Durations.format(wanted.duration()), SyntheticLoad.SYNTHETIC_HEADER,
                targets.size() > 1 ? ", " + number(each) + "/s to each of " + String.join(", ", where) : ""),
                Map.of("targets", where, "rate", wanted.rate()));
    }

    /** Stops the app's load, if one runs. */
    void stop(String app, Integer revision, String why) {
        Current current = loads.remove(app);
        if (current == null) {
            return;
        }
        current.senders().forEach(SyntheticLoad::stop);
        events.record(app, revision, "system", "load.stopped", String.format(
                "built-in load stopped (%s): %d synthetic requests sent, %d answered, %d failed", why,
                current.sum(SyntheticLoad::sent), current.sum(SyntheticLoad::answered),
                current.sum(SyntheticLoad::failed)));
    }

    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
