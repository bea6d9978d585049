package dev.deployguard.kubernetes.deployment;

/**
 * Where a Deployment's rollout stands, judged from its status as {@code kubectl rollout status} judges it.
 *
 * @param state   progressing, complete, failed (progress deadline exceeded) or timed out (our own deadline)
 * @param message the line kubectl would print, e.g. "Waiting for deployment "web" rollout to finish: 1 of 3 ..."
 */
public record RolloutStatus(State state, String message) {
    /** The rollout's state. */
    public enum State { PROGRESSING, COMPLETE, FAILED, TIMED_OUT }

    public boolean done() {
        return state != State.PROGRESSING;
    }
}
