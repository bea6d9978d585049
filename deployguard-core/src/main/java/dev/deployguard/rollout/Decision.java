package dev.deployguard.rollout;

import java.time.Instant;
import java.util.List;

/** The engine's answer: the next state, what to do, and when to look again (null: only on a command). */
public record Decision(Rollout next, List<Action> actions, Instant wakeAt) {
    public Decision {
        actions = List.copyOf(actions);
    }
}
