package dev.deployguard.local.router;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Backends that refused or reset a connection, left out of the round-robin for a cool-down so users do not wait on
 * a crashed instance while the control plane notices. Shared by all event loops; reads are lock-free.
 */
final class PassiveHealth {
    private final Clock clock;
    private final long ejectMillis;
    private final Map<String, Ejection> ejections = new ConcurrentHashMap<>();

    PassiveHealth(Clock clock, long ejectMillis) {
        this.clock = clock;
        this.ejectMillis = ejectMillis;
    }

    /** Leaves the backend out until the cool-down ends, counting how often that happened and why. */
    void eject(String backend, String reason) {
        long until = clock.millis() + ejectMillis;
        ejections.compute(backend, (b, old) -> new Ejection(until, (old == null ? 0 : old.count) + 1, reason));
    }

    boolean isEjected(String backend) {
        Ejection e = ejections.get(backend);
        return e != null && clock.millis() < e.untilEpochMs;
    }

    /** The backends ejected at least once, with whether they are out right now; sorted by address. */
    List<RouterMetrics.BackendHealth> report() {
        long now = clock.millis();
        List<RouterMetrics.BackendHealth> out = new ArrayList<>();
        ejections.forEach((backend, e) -> out.add(new RouterMetrics.BackendHealth(backend, now < e.untilEpochMs,
                e.untilEpochMs, e.count, e.reason)));
        out.sort(java.util.Comparator.comparing(RouterMetrics.BackendHealth::backend));
        return out;
    }

    private record Ejection(long untilEpochMs, long count, String reason) {
    }
}
