package dev.deployguard.server.deploy;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutTarget;
import dev.deployguard.spec.Durations;
import dev.deployguard.store.EventStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A running rollout's hold while its new release does not serve ({@link RolloutTarget#unready}): Flagger holds the
 * iteration of a canary whose Deployment is not ready and rolls it back once the progress deadline has passed
 * (fluxcd/flagger pkg/canary/deployment_ready.go isDeploymentReady; pkg/controller/scheduler.go). Flagger counts the
 * deadline from the Deployment's Available condition turning False (MinimumReplicasUnavailable: its lastUpdateTime);
 * this counts it from the first tick that saw the release not ready, by the control plane's clock. A restarted
 * control plane goes on with a hold its predecessor began ({@link #restore}): the deadline is not counted afresh.
 *
 * <p>The rollout loop changes it; API threads read it ({@link #waitingFor}). The hold is one immutable value in a
 * volatile field, set before its event is recorded: whoever has seen {@code rollout.held} sees the hold, whoever has
 * seen {@code rollout.ready-again} sees it over, and a reader never sees half of one.
 */
final class ReadinessHold {
    /** What a tick does about the release's readiness. */
    enum Outcome { SERVES, HELD, RESUMED, EXCEEDED }

    /** At most one probe per second of the clock (a Kubernetes GET), not one per 200 ms tick. */
    static final Duration PROBE_EVERY = Duration.ofSeconds(1);

    /**
     * Held since {@code since} (the first tick that saw it), waiting for {@code unready} (as of the last probe; null
     * for a hold {@link #restore}d after a restart until the first probe).
     */
    private record Hold(Instant since, RolloutTarget.Unready unready) {
        Instant deadline() {
            return since.plus(unready.deadline());
        }
    }

    // Only the rollout loop's tick uses these two.
    private Instant nextProbe;
    private Duration lastHeld = Duration.ZERO;
    /** Null while the release serves. */
    private volatile Hold hold;

    /**
     * Records what {@code now} shows ({@code current} null: the release serves): the first unready tick records a
     * {@code rollout.held} event; the first ready one after it answers {@link Outcome#RESUMED} and the hold lasts
     * until the caller has saved the step's moved start and calls {@link #resumed} (so a restart in between finds
     * the hold still open, not a resumption whose step start was never moved).
     */
    Outcome observe(Rollout r, RolloutTarget.Unready current, Instant now, EventLog events) {
        Hold before = hold;
        if (current == null) {
            if (before == null) {
                return Outcome.SERVES;
            }
            lastHeld = Duration.between(before.since(), now);
            return Outcome.RESUMED;
        }
        Hold held = new Hold(before == null ? now : before.since(), current);
        hold = held;
        if (before == null) {
            events.record(r.app(), r.canaryRevision(), "system", EventKinds.ROLLOUT_HELD, "rollout held at canary"
                    + " weight " + dev.deployguard.rollout.RolloutEngine.percent(r.weight()) + ": waiting for "
                    + current.what() + "; no check is counted and the weight stays until it is; rolled back at "
                    + held.deadline() + " (progress deadline " + Durations.format(current.deadline()) + ")",
                    Map.of("rollout", r.id(), "deadline", held.deadline().toString()));
        }
        return now.isBefore(held.deadline()) ? Outcome.HELD : Outcome.EXCEEDED;
    }

    /** Ends the hold {@link #observe} answered {@link Outcome#RESUMED} for and records {@code rollout.ready-again}. */
    void resumed(Rollout r, EventLog events) {
        hold = null;
        events.record(r.app(), r.canaryRevision(), "system", EventKinds.ROLLOUT_READY_AGAIN, "the new release"
                + " serves again after " + Durations.format(lastHeld) + " not ready; the rollout resumes where it"
                + " was held (the held time does not count towards its step)", Map.of("rollout", r.id(),
                "heldSeconds", lastHeld.toSeconds()));
    }

    /**
     * After a restart: when {@code r}'s last {@code rollout.held} event has no {@code rollout.ready-again} after it,
     * the hold goes on from that event's time, so its deadline (and the held time a resumption adds to the step)
     * counts from when the release was first seen not ready, not from the restart. The next probe tells whether it
     * still is. Events are the record here because they are written, durably, when a hold begins and ends.
     */
    void restore(Rollout r, EventStore store) {
        Instant heldAt = null;
        for (Event e : store.events(r.app(), "rollout", 0, r.startedAt(), 100_000)) {
            if (!String.valueOf(r.id()).equals(String.valueOf(e.data().get("rollout")))) {
                continue;
            }
            if (e.kind().equals(EventKinds.ROLLOUT_HELD)) {
                heldAt = e.at();
            } else if (e.kind().equals(EventKinds.ROLLOUT_READY_AGAIN)) {
                heldAt = null;
            }
        }
        hold = heldAt == null ? null : new Hold(heldAt, null);
    }

    /** Whether the release is to be asked again at {@code now} (then not before {@link #PROBE_EVERY} later). */
    boolean probeDue(Instant now) {
        if (nextProbe != null && now.isBefore(nextProbe)) {
            return false;
        }
        nextProbe = now.plus(PROBE_EVERY);
        return true;
    }

    /** Whether the rollout is held (as of the last probe). */
    boolean held() {
        return hold != null;
    }

    /** How long the hold that just ended lasted (after {@link Outcome#RESUMED}). */
    Duration lastHeld() {
        return lastHeld;
    }

    /** While held: what the rollout waits for, as people read it after "waiting for"; null when not held. */
    String waitingFor() {
        Hold h = hold;
        return h == null || h.unready() == null ? null : h.unready().what() + ", held since " + h.since()
                + ", rolled back at " + h.deadline();
    }

    /** The rollback's reason once {@link Outcome#EXCEEDED}: Flagger's "progress deadline exceeded". */
    String exceeded() {
        Hold h = hold;
        return "progress deadline exceeded: still waiting at the " + Durations.format(h.unready().deadline())
                + " deadline (held since " + h.since() + ") for " + h.unready().what();
    }
}
