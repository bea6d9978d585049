package dev.deployguard.server.drill;

import dev.deployguard.release.Release;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.Waiting;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A drill's deploy with a progressive strategy hands over to a rollout: the drill promotes it to its end (the
 * drill tests the rollback, not the analysis) and waits until the runner has finished it, on any platform.
 */
final class DrillRollouts {
    private final Store store;
    private final RolloutRunner rollouts;
    private final Clock clock;
    private final Duration timeout;
    private final String actor;

    /** @param rollouts null where no rollout can start (then every deploy is already settled) */
    DrillRollouts(Store store, RolloutRunner rollouts, Clock clock, Duration timeout, String actor) {
        this.store = store;
        this.rollouts = rollouts;
        this.clock = clock;
        this.timeout = timeout;
        this.actor = actor;
    }

    /** The release once it serves: at once without a rollout, else after its rollout succeeded. */
    Release settle(String app, Release r) {
        if (store.activeRollout(app).isEmpty() || rollouts == null) {
            return r;
        }
        Instant deadline = clock.instant().plus(timeout);
        Rollout.Phase promoted = null;
        while (true) {
            Optional<Rollout> active = store.activeRollout(app);
            // A Kubernetes rollout is first prepared (its Deployment or slot rolling out) and takes no command until
            // then. A full promotion may leave it baking (blue/green: users switched, the old slot warm for
            // scaleDownDelay), and a second one ends the bake: promoted once in each phase.
            if (active.isPresent() && active.get().phase() != promoted
                    && !(active.get().waiting() instanceof Waiting.Preparing)
                    && !(active.get().waiting() instanceof Waiting.Ending)) {
                promoted = active.get().phase();
                rollouts.command(app, RolloutEngine.Command.PROMOTE_FULL, actor);
                continue;
            }
            if (active.isEmpty()) {
                Rollout done = store.rollouts(app, 1).get(0);
                if (done.phase() != Rollout.Phase.SUCCEEDED) {
                    throw new DrillSteps.Failed("the rollout of " + r.version() + " ended " + done.phase() + ": "
                            + done.outcome());
                }
                return store.release(app, r.revision()).orElse(r);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new DrillSteps.Failed("the rollout of " + r.version() + " did not finish within "
                        + timeout.toSeconds() + "s (" + active.get().phase() + ")");
            }
            pause();
        }
    }

    /**
     * After a rollback request: empty when it ended in the request; else (a rollback the runner carries out, a
     * Kubernetes blue/green slot started again) waits for its end and answers its outcome, or throws
     * {@link DrillSteps.Failed} when it did not switch users back.
     */
    Optional<String> awaitRollback(String app) {
        if (store.activeRollout(app).isEmpty()) {
            return Optional.empty();
        }
        Instant deadline = clock.instant().plus(timeout);
        while (store.activeRollout(app).isPresent()) {
            if (clock.instant().isAfter(deadline)) {
                throw new DrillSteps.Failed("the rollback did not finish within " + timeout.toSeconds() + "s ("
                        + store.activeRollout(app).map(r -> r.waiting() == null ? r.phase().toString()
                        : "waiting for " + r.waiting().text()).orElse("ended") + ")");
            }
            pause();
        }
        Rollout done = store.rollouts(app, 1).get(0);
        if (done.phase() != Rollout.Phase.SUCCEEDED) {
            throw new DrillSteps.Failed("the rollback ended " + done.phase() + ": " + done.outcome());
        }
        return Optional.of(done.outcome() + " (revision " + done.canaryRevision() + ")");
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrillSteps.Failed("interrupted");
        }
    }
}
