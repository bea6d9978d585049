package dev.deployguard.rollout;

import java.time.Instant;

/**
 * The persisted state of one rollout: which step it is on, the canary's weight, why it waits. Written before any
 * action it implies is carried out, so a restarted control plane resumes from here.
 *
 * @param stepIndex index into the strategy's steps; equal to their count once all ran
 * @param weight canary's share of user traffic in basis points
 * @param stepStartedAt when the current step (or phase) began; timed pauses and analysis bounds count from it
 * @param waitingFor what the rollout waits for, in words (shown by status)
 * @param lastVerdict the latest analysis verdict with its evidence, or null
 */
public record Rollout(
        long id,
        String app,
        String kind,
        int stableRevision,
        int canaryRevision,
        Phase phase,
        int stepIndex,
        int weight,
        Instant startedAt,
        Instant stepStartedAt,
        String waitingFor,
        String lastVerdict,
        String outcome) {

    /** Where a rollout is. */
    public enum Phase {
        PROGRESSING, PAUSED, BAKING, SUCCEEDED, ROLLED_BACK;

        public boolean isDone() {
            return this == SUCCEEDED || this == ROLLED_BACK;
        }
    }

    public static Rollout start(long id, String app, String kind, int stable, int canary, Instant now) {
        return new Rollout(id, app, kind, stable, canary, Phase.PROGRESSING, 0, 0, now, now, null, null, null);
    }

    Rollout at(int step, Instant now) {
        return new Rollout(id, app, kind, stableRevision, canaryRevision, Phase.PROGRESSING, step, weight, startedAt,
                now, null, lastVerdict, outcome);
    }

    public Rollout weight(int bp) {
        return new Rollout(id, app, kind, stableRevision, canaryRevision, phase, stepIndex, bp, startedAt,
                stepStartedAt, waitingFor, lastVerdict, outcome);
    }

    Rollout phase(Phase p, String waiting, Instant now) {
        return new Rollout(id, app, kind, stableRevision, canaryRevision, p, stepIndex, weight, startedAt, now,
                waiting, lastVerdict, outcome);
    }

    Rollout verdict(String v) {
        return new Rollout(id, app, kind, stableRevision, canaryRevision, phase, stepIndex, weight, startedAt,
                stepStartedAt, waitingFor, v, outcome);
    }

    public Rollout done(Phase p, String why, Instant now) {
        return new Rollout(id, app, kind, stableRevision, canaryRevision, p, stepIndex, weight, startedAt, now, null,
                lastVerdict, why);
    }

    public Rollout withId(long newId) {
        return new Rollout(newId, app, kind, stableRevision, canaryRevision, phase, stepIndex, weight, startedAt,
                stepStartedAt, waitingFor, lastVerdict, outcome);
    }
}
