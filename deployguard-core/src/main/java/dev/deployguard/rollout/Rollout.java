package dev.deployguard.rollout;

import dev.deployguard.analysis.Verdict;
import java.time.Instant;

/**
 * The persisted state of one rollout: which step it is on, the canary's weight, why it waits. Written before any
 * action it implies is carried out, so a restarted control plane resumes from here. Changed copies are made with
 * {@link #toBuilder()} (one place lists the fields).
 *
 * @param stepIndex index into the strategy's steps; equal to their count once all ran
 * @param weight canary's share of user traffic in basis points
 * @param stepStartedAt when the current step (or phase) began; timed pauses and analysis bounds count from it
 * @param waiting what the rollout waits for (shown by status), or null when it waits for nothing in particular
 * @param lastVerdict the latest analysis verdict with its evidence ("PASS: ..."), or null
 */
public record Rollout(
        long id,
        String app,
        RolloutKind kind,
        int stableRevision,
        int canaryRevision,
        Phase phase,
        int stepIndex,
        int weight,
        Instant startedAt,
        Instant stepStartedAt,
        Waiting waiting,
        String lastVerdict,
        String outcome) {

    /** Where a rollout is. */
    public enum Phase {
        PROGRESSING, PAUSED, BAKING, SUCCEEDED, ROLLED_BACK;

        public boolean isDone() {
            return this == SUCCEEDED || this == ROLLED_BACK;
        }
    }

    public static Rollout start(long id, String app, RolloutKind kind, int stable, int canary, Instant now) {
        return new Rollout(id, app, kind, stable, canary, Phase.PROGRESSING, 0, 0, now, now, null, null, null);
    }

    /** Whether the latest verdict recorded is {@code v}. */
    public boolean lastVerdictIs(Verdict v) {
        return lastVerdict != null && lastVerdict.startsWith(v.name());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    Rollout at(int step, Instant now) {
        return toBuilder().phase(Phase.PROGRESSING).stepIndex(step).stepStartedAt(now).waiting(null).build();
    }

    public Rollout weight(int bp) {
        return toBuilder().weight(bp).build();
    }

    Rollout phase(Phase p, Waiting why, Instant now) {
        return toBuilder().phase(p).stepStartedAt(now).waiting(why).build();
    }

    Rollout waitingFor(Waiting why) {
        return toBuilder().waiting(why).build();
    }

    Rollout verdict(String v) {
        return toBuilder().lastVerdict(v).build();
    }

    public Rollout done(Phase p, String why, Instant now) {
        return toBuilder().phase(p).stepStartedAt(now).waiting(null).outcome(why).build();
    }

    public Rollout withId(long newId) {
        return toBuilder().id(newId).build();
    }

    /** A changed copy of a rollout: set what changes, then {@link #build()}. */
    public static final class Builder {
        private long id;
        private String app;
        private RolloutKind kind;
        private int stableRevision;
        private int canaryRevision;
        private Phase phase;
        private int stepIndex;
        private int weight;
        private Instant startedAt;
        private Instant stepStartedAt;
        private Waiting waiting;
        private String lastVerdict;
        private String outcome;

        private Builder(Rollout r) {
            id = r.id;
            app = r.app;
            kind = r.kind;
            stableRevision = r.stableRevision;
            canaryRevision = r.canaryRevision;
            phase = r.phase;
            stepIndex = r.stepIndex;
            weight = r.weight;
            startedAt = r.startedAt;
            stepStartedAt = r.stepStartedAt;
            waiting = r.waiting;
            lastVerdict = r.lastVerdict;
            outcome = r.outcome;
        }

        public Builder id(long v) {
            id = v;
            return this;
        }

        public Builder phase(Phase v) {
            phase = v;
            return this;
        }

        public Builder stepIndex(int v) {
            stepIndex = v;
            return this;
        }

        public Builder weight(int v) {
            weight = v;
            return this;
        }

        public Builder revisions(int stable, int canary) {
            stableRevision = stable;
            canaryRevision = canary;
            return this;
        }

        public Builder startedAt(Instant v) {
            startedAt = v;
            return this;
        }

        public Builder stepStartedAt(Instant v) {
            stepStartedAt = v;
            return this;
        }

        public Builder waiting(Waiting v) {
            waiting = v;
            return this;
        }

        public Builder lastVerdict(String v) {
            lastVerdict = v;
            return this;
        }

        public Builder outcome(String v) {
            outcome = v;
            return this;
        }

        public Rollout build() {
            return new Rollout(id, app, kind, stableRevision, canaryRevision, phase, stepIndex, weight, startedAt,
                    stepStartedAt, waiting, lastVerdict, outcome);
        }
    }
}
