package dev.deployguard.rollout;

import dev.deployguard.analysis.Verdict;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.spec.Durations;
import dev.deployguard.traffic.Track;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollout state machine: a pure function from (state, observation or command, now) to a {@link Decision}.
 * No clock, no I/O: the runner persists the decision, then carries out its actions, then calls again when asked.
 *
 * <p>The rollout's analysis runs in the background for its whole life (steps, pauses and the bake after
 * promotion): a FAIL at any point rolls back. An analysis step waits for PASS; too little evidence within its
 * maximum hold pauses the rollout as inconclusive, for a person to promote or abort — it never fails it.
 */
public final class RolloutEngine {
    /** Operator commands. */
    public enum Command { PROMOTE, PROMOTE_FULL, ABORT, PAUSE, RESUME }

    /** After a control-plane restart: a webhook that was being called is called again (webhooks are idempotent). */
    public Rollout resume(Rollout r) {
        if (r.waiting() instanceof Waiting.Webhook && r.phase() == Rollout.Phase.PROGRESSING) {
            return r.waitingFor(null);
        }
        if (r.waiting() instanceof Waiting.Retry rt && rt.called() && r.phase() == Rollout.Phase.PROGRESSING) {
            return r.waitingFor(new Waiting.Retry(rt.name(), rt.type(), rt.failures(), false));
        }
        return r;
    }

    public Decision reconcile(Rollout r, Strategy s, Observation obs, Instant now) {
        List<Action> actions = new ArrayList<>();
        if (r.phase().isDone()) {
            return new Decision(r, actions, null);
        }
        AnalysisSpec analysis = s.analysis();
        if (obs.verdict() != null) {
            String v = obs.verdict() + (obs.evidence() == null ? "" : ": " + obs.evidence());
            // The timeline gets a verdict when it changes, not every interval's evidence.
            if (!r.lastVerdictIs(obs.verdict())) {
                actions.add(new Action.Record("analysis.verdict", v));
            }
            r = r.verdict(v);
            if (obs.verdict() == Verdict.FAIL) {
                return rollback(r, s, "analysis failed: " + obs.evidence(), now, actions);
            }
        }
        switch (r.phase()) {
            case PAUSED -> {
                return new Decision(r, actions, now.plus(analysis.interval()));
            }
            case BAKING -> {
                Instant end = r.stepStartedAt().plus(s.bake());
                if (!now.isBefore(end)) {
                    actions.add(new Action.Finish());
                    for (WebhookSpec hook : s.hooks("post-rollout")) {
                        actions.add(new Action.CallWebhook(hook));
                    }
                    actions.add(new Action.Record("rollout.succeeded", "bake of " + Durations.format(s.bake())
                            + " passed; revision " + r.canaryRevision() + " stays and serves all traffic"));
                    return new Decision(r.done(Rollout.Phase.SUCCEEDED, "promoted and baked", now), actions, null);
                }
                return new Decision(r, actions, min(end, now.plus(analysis.interval())));
            }
            default -> {
                return progress(r, s, obs, now, actions);
            }
        }
    }

    private Decision progress(Rollout r, Strategy s, Observation obs, Instant now, List<Action> actions) {
        List<Step> steps = s.steps();
        AnalysisSpec analysis = s.analysis();
        // One look at the canary passes at most one analysis step: the next step (another weight) must be judged by
        // a later look, not waved through by the verdict that ended the previous one.
        boolean verdictUnused = true;
        for (int guard = 0; guard <= steps.size(); guard++) {
            if (r.stepIndex() >= steps.size()) {
                return promote(r, s, now, actions);
            }
            Step step = steps.get(r.stepIndex());
            Duration elapsed = Duration.between(r.stepStartedAt(), now);
            if (step instanceof Step.SetWeight w) {
                actions.add(new Action.SetWeight(w.basisPoints()));
                actions.add(new Action.Record("rollout.step", "step " + (r.stepIndex() + 1) + "/" + steps.size()
                        + ": canary weight " + percent(w.basisPoints())));
                r = r.weight(w.basisPoints()).at(r.stepIndex() + 1, now);
            } else if (step instanceof Step.Pause p) {
                if (p.duration() == null) {
                    actions.add(new Action.Record("rollout.paused", "step " + (r.stepIndex() + 1)
                            + ": paused until promoted"));
                    return new Decision(r.phase(Rollout.Phase.PAUSED, new Waiting.Promotion("pause step"), now),
                            actions, now.plus(analysis.interval()));
                }
                if (elapsed.compareTo(p.duration()) < 0) {
                    return new Decision(r.waitingFor(new Waiting.TimedPause(p.duration())), actions,
                            r.stepStartedAt().plus(p.duration()));
                }
                r = r.at(r.stepIndex() + 1, now);
            } else if (step instanceof Step.Analysis a) {
                AnalysisSpec spec = a.analysis() == null ? analysis : a.analysis();
                boolean pass = verdictUnused && (obs.verdict() == Verdict.PASS || (obs.verdict() == null
                        && r.lastVerdictIs(Verdict.PASS)));
                if (pass && elapsed.compareTo(spec.minDuration()) >= 0) {
                    verdictUnused = false;
                    actions.add(new Action.Record("rollout.step", "step " + (r.stepIndex() + 1) + "/"
                            + steps.size() + ": analysis passed after " + Durations.format(elapsed)));
                    r = r.at(r.stepIndex() + 1, now);
                } else if (elapsed.compareTo(spec.maxDuration()) >= 0) {
                    String why = "analysis inconclusive after " + Durations.format(elapsed) + " (" + r.lastVerdict()
                            + "); promote or abort";
                    actions.add(new Action.Record("rollout.paused", why));
                    return new Decision(r.phase(Rollout.Phase.PAUSED, new Waiting.Promotion(why), now), actions,
                            now.plus(spec.interval()));
                } else {
                    return new Decision(r.waitingFor(new Waiting.Analysis(pass, spec.minDuration())), actions,
                            min(r.stepStartedAt().plus(spec.maxDuration()), now.plus(spec.interval())));
                }
            } else if (step instanceof Step.Webhook w) {
                WebhookSpec hook = w.webhook();
                Waiting.Retry retry = r.waiting() instanceof Waiting.Retry rt ? rt : null;
                boolean called = r.waiting() instanceof Waiting.Webhook || (retry != null && retry.called());
                if (!called) {
                    actions.add(new Action.CallWebhook(hook));
                    Waiting calling = retry == null ? new Waiting.Webhook(hook.name(), hook.type())
                            : new Waiting.Retry(hook.name(), hook.type(), retry.failures(), true);
                    return new Decision(r.waitingFor(calling), actions, null);
                }
                if (obs.webhookPassed() == null) {
                    return new Decision(r, actions, null);
                }
                if (obs.webhookPassed()) {
                    actions.add(new Action.Record("webhook.passed", hook.type() + " webhook " + hook.name()
                            + " passed: " + obs.webhookDetail()));
                    r = r.at(r.stepIndex() + 1, now);
                } else if ("hold".equals(hook.onFailure())) {
                    // Flagger's confirm-* gates: "not yet" holds the rollout where it is and asks again.
                    actions.add(new Action.Record("webhook.held", hook.type() + " gate " + hook.name()
                            + " not yet open: " + obs.webhookDetail() + "; asking again in "
                            + Durations.format(analysis.interval())));
                    return new Decision(r.waitingFor(new Waiting.Retry(hook.name(), hook.type(), 0, false)), actions,
                            now.plus(analysis.interval()));
                } else if ("count".equals(hook.onFailure())
                        && (retry == null ? 0 : retry.failures()) + 1 < analysis.failureLimit()) {
                    // Flagger's pre-rollout hook: a failure is a failed check; below the threshold it is retried.
                    int failures = (retry == null ? 0 : retry.failures()) + 1;
                    actions.add(new Action.Record("webhook.failed", hook.type() + " webhook " + hook.name()
                            + " failed: " + obs.webhookDetail() + "; failed check " + failures + " of "
                            + analysis.failureLimit() + ", asking again in " + Durations.format(analysis.interval())));
                    return new Decision(r.waitingFor(new Waiting.Retry(hook.name(), hook.type(), failures, false)),
                            actions, now.plus(analysis.interval()));
                } else if ("block".equals(hook.onFailure())) {
                    String why = hook.type() + " webhook " + hook.name() + " failed: " + obs.webhookDetail();
                    actions.add(new Action.Record("webhook.failed", why + "; rollout paused"));
                    return new Decision(r.phase(Rollout.Phase.PAUSED, new Waiting.Promotion(why), now), actions,
                            now.plus(analysis.interval()));
                } else {
                    actions.add(new Action.Record("webhook.failed", hook.type() + " webhook " + hook.name()
                            + " failed: " + obs.webhookDetail()));
                    return rollback(r, s, hook.type() + " webhook " + hook.name() + " failed: "
                            + obs.webhookDetail(), now, actions);
                }
            }
            obs = new Observation(obs.verdict(), obs.evidence(), null, null);
        }
        throw new IllegalStateException("rollout engine made no progress at step " + r.stepIndex());
    }

    private Decision promote(Rollout r, Strategy s, Instant now, List<Action> actions) {
        actions.add(new Action.Promote());
        actions.add(new Action.Record("rollout.promoted", "revision " + r.canaryRevision() + " takes 100% of"
                + " traffic; revision " + r.stableRevision() + " stays warm for the "
                + Durations.format(s.bake()) + " bake"));
        Rollout next = r.weight(Track.FULL).phase(Rollout.Phase.BAKING, new Waiting.Bake(s.bake()), now);
        return new Decision(next, actions, now.plus(s.bake()));
    }

    private Decision rollback(Rollout r, Strategy s, String reason, Instant now, List<Action> actions) {
        actions.add(new Action.RollBack(reason));
        for (WebhookSpec hook : s.hooks("rollback")) {
            actions.add(new Action.CallWebhook(hook));
        }
        actions.add(new Action.Record("rollout.rolled-back", "rolled back to revision " + r.stableRevision() + ": "
                + reason));
        return new Decision(r.weight(0).done(Rollout.Phase.ROLLED_BACK, reason, now), actions, null);
    }

    /** Applies an operator command; refuses one that makes no sense in the current phase. */
    public Decision command(Rollout r, Strategy s, Command c, String actor, Instant now) {
        List<Action> actions = new ArrayList<>();
        if (r.phase().isDone()) {
            throw DeployGuardException.badInput("the rollout of revision " + r.canaryRevision() + " is already "
                    + r.phase() + "; nothing to " + c.name().toLowerCase(java.util.Locale.ROOT));
        }
        actions.add(new Action.Record("rollout.command", c.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + " by " + actor));
        switch (c) {
            case ABORT -> {
                return rollback(r, s, "aborted by " + actor, now, actions);
            }
            case PROMOTE_FULL -> {
                if (r.phase() == Rollout.Phase.BAKING) {
                    return finishEarly(r, now, actions);
                }
                return promote(r.at(s.steps().size(), now), s, now, actions);
            }
            case PROMOTE -> {
                if (r.phase() == Rollout.Phase.BAKING) {
                    return finishEarly(r, now, actions);
                }
                return progress(r.at(r.stepIndex() + 1, now), s, Observation.NONE, now, actions);
            }
            case PAUSE -> {
                if (r.phase() == Rollout.Phase.PAUSED) {
                    throw DeployGuardException.badInput("the rollout is already paused (waiting for "
                            + (r.waiting() == null ? "a command" : r.waiting().text()) + ")");
                }
                if (r.phase() == Rollout.Phase.BAKING) {
                    throw DeployGuardException.badInput("the rollout is baking after promotion; abort or promote");
                }
                return new Decision(r.phase(Rollout.Phase.PAUSED, new Waiting.Resume(actor), now),
                        actions, now.plus(s.analysis().interval()));
            }
            default -> {
                if (r.phase() != Rollout.Phase.PAUSED) {
                    throw DeployGuardException.badInput("the rollout is not paused (it is " + r.phase() + ")");
                }
                int step = r.waiting() instanceof Waiting.Promotion ? r.stepIndex() + 1 : r.stepIndex();
                return progress(r.at(step, now), s, Observation.NONE, now, actions);
            }
        }
    }

    private Decision finishEarly(Rollout r, Instant now, List<Action> actions) {
        actions.add(new Action.Finish());
        actions.add(new Action.Record("rollout.succeeded", "bake ended early by promote"));
        return new Decision(r.done(Rollout.Phase.SUCCEEDED, "promoted; bake skipped", now), actions, null);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    public static String percent(int bp) {
        return bp % 100 == 0 ? (bp / 100) + "%" : String.format(java.util.Locale.ROOT, "%.2f%%", bp / 100.0);
    }
}
