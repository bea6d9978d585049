package dev.deployguard.store;

import dev.deployguard.rollout.Rollout;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The store's role for the persisted state machine of each progressive rollout. */
public interface RolloutStore {

    /** Inserts a rollout (id 0) or replaces its state; returns it with its id. Throws NOT_FOUND for an unknown id. */
    Rollout saveRollout(Rollout rollout, Instant now);

    /** The app's rollout that is not finished, if any (the newest one when several are). */
    Optional<Rollout> activeRollout(String app);

    /** All rollouts of an app, newest first. */
    List<Rollout> rollouts(String app, int limit);
}
