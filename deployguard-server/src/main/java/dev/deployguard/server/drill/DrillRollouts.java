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
        boolean promoted = false;
        while (true) {
            Optional<Rollout> active = store.activeRollout(app);
            // A Kubernetes canary is first prepared (its Deployment rolling out) and takes no command until then.
            if (!promoted && active.isPresent() && !(active.get().waiting() instanceof Waiting.Preparing)) {
                rollouts.command(app, RolloutEngine.Command.PROMOTE_FULL, actor);
                promoted = true;
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

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrillSteps.Failed("interrupted");
        }
    }
}
