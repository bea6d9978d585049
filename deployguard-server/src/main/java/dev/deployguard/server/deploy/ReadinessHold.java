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
 */
final class ReadinessHold {
    /** What a tick does about the release's readiness. */
    enum Outcome { SERVES, HELD, RESUMED, EXCEEDED }

    /** At most one probe per second of the clock (a Kubernetes GET), not one per 200 ms tick. */
    static final Duration PROBE_EVERY = Duration.ofSeconds(1);

    private Instant nextProbe;
    private Instant since;
    private RolloutTarget.Unready unready;
    private Duration lastHeld = Duration.ZERO;

    /**
     * Records what {@code now} shows ({@code current} null: the release serves): the first unready tick records a
     * {@code rollout.held} event, the first ready one after it {@code rollout.resumed}.
     */
    Outcome observe(Rollout r, RolloutTarget.Unready current, Instant now, EventLog events) {
        if (current == null) {
            if (since == null) {
                return Outcome.SERVES;
            }
            lastHeld = Duration.between(since, now);
            events.record(r.app(), r.canaryRevision(), "system", EventKinds.ROLLOUT_READY_AGAIN, "the new release"
                    + " serves again after " + Durations.format(lastHeld) + " not ready; the rollout resumes where it"
                    + " was held (the held time does not count towards its step)", Map.of("rollout", r.id(),
                    "heldSeconds", lastHeld.toSeconds()));
            since = null;
            unready = null;
            return Outcome.RESUMED;
        }
        if (since == null) {
            since = now;
            events.record(r.app(), r.canaryRevision(), "system", EventKinds.ROLLOUT_HELD, "rollout held at canary"
                    + " weight " + dev.deployguard.rollout.RolloutEngine.percent(r.weight()) + ": waiting for "
                    + current.what() + "; no check is counted and the weight stays until it is; rolled back at "
                    + deadline(current) + " (progress deadline " + Durations.format(current.deadline()) + ")",
                    Map.of("rollout", r.id(), "deadline", deadline(current).toString()));
        }
        unready = current;
        return now.isBefore(deadline(current)) ? Outcome.HELD : Outcome.EXCEEDED;
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
        since = heldAt;
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
        return since != null;
    }

    private Instant deadline(RolloutTarget.Unready u) {
        return since.plus(u.deadline());
    }

    /** How long the hold that just ended lasted (after {@link Outcome#RESUMED}). */
    Duration lastHeld() {
        return lastHeld;
    }

    /** While held: what the rollout waits for, as people read it after "waiting for"; null when not held. */
    String waitingFor() {
        return unready == null ? null : unready.what() + ", held since " + since + ", rolled back at "
                + deadline(unready);
    }

    /** The rollback's reason once {@link Outcome#EXCEEDED}: Flagger's "progress deadline exceeded". */
    String exceeded() {
        return "progress deadline exceeded: still waiting at the " + Durations.format(unready.deadline())
                + " deadline (held since " + since + ") for " + unready.what();
    }
}
