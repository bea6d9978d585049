package dev.deployguard.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deployguard.analysis.Verdict;
import dev.deployguard.error.DeployGuardException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rollout state machine in simulated time: every step kind, verdicts, commands, crash-resume. */
class RolloutEngineTest {
    static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
    static final AnalysisSpec ANALYSIS = new AnalysisSpec("sequential", Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofMinutes(5), 0.01, 0.2, 99, 500, 5, true,
            Duration.ofSeconds(20), 0.001, null);
    static final WebhookSpec ACCEPTANCE = new WebhookSpec("smoke", "acceptance", "http://127.0.0.1:1/hook",
            Duration.ofSeconds(2), 1, "rollback");
    static final WebhookSpec ON_ROLLBACK = new WebhookSpec("page", "rollback", "http://127.0.0.1:1/page",
            Duration.ofSeconds(2), 0, "rollback");

    final RolloutEngine engine = new RolloutEngine();

    static final WebhookSpec ON_SUCCESS = new WebhookSpec("announce", "post-rollout", "http://127.0.0.1:1/done",
            Duration.ofSeconds(2), 0, "rollback");

    static Strategy.Canary canary(Step... steps) {
        return new Strategy.Canary(List.of(steps), ANALYSIS, Duration.ofMinutes(1), List.of(ON_ROLLBACK, ON_SUCCESS));
    }

    static Rollout fresh() {
        return Rollout.start(1, "web", RolloutKind.CANARY, 1, 2, T0);
    }

    static <T extends Action> List<T> of(Decision d, Class<T> type) {
        return d.actions().stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void walksSetWeightPauseAnalysisThenPromotesBakesAndFinishes() {
        var s = canary(new Step.SetWeight(500), new Step.Pause(Duration.ofSeconds(30)), new Step.Analysis(null),
                new Step.SetWeight(5000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(500));
        assertThat(d.next().stepIndex()).isEqualTo(1);
        assertThat(d.wakeAt()).isEqualTo(T0.plusSeconds(30));

        d = engine.reconcile(d.next(), s, Observation.NONE, T0.plusSeconds(10));
        assertThat(d.next().stepIndex()).as("pause not over").isEqualTo(1);
        assertThat(d.next().waiting()).isEqualTo(new Waiting.TimedPause(Duration.ofSeconds(30)));

        Instant t = T0.plusSeconds(30);
        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.INCONCLUSIVE, "12 canary requests"), t);
        assertThat(d.next().stepIndex()).isEqualTo(2);
        assertThat(d.next().waiting()).isEqualTo(new Waiting.Analysis(false, Duration.ofSeconds(30)));

        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.PASS, "ratio <= 1.05"), t.plusSeconds(10));
        assertThat(d.next().stepIndex()).as("PASS before the minimum duration holds the step").isEqualTo(2);

        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.PASS, "ratio <= 1.05"), t.plusSeconds(31));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(5000));
        assertThat(of(d, Action.Promote.class)).hasSize(1);
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.BAKING);
        assertThat(d.next().weight()).isEqualTo(10_000);

        Instant baked = t.plusSeconds(31).plus(Duration.ofMinutes(1));
        d = engine.reconcile(d.next(), s, Observation.NONE, baked.minusSeconds(1));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.BAKING);
        d = engine.reconcile(d.next(), s, Observation.NONE, baked);
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(of(d, Action.Finish.class)).hasSize(1);
        assertThat(of(d, Action.CallWebhook.class)).as("post-rollout hook on success")
                .containsExactly(new Action.CallWebhook(ON_SUCCESS));
        assertThat(engine.reconcile(d.next(), s, Observation.verdict(Verdict.FAIL, "late"), baked.plusSeconds(9)).actions())
                .as("a finished rollout ignores late verdicts").isEmpty();
    }

    /** Regression: one PASS used to wave a canary through every following analysis step of the same reconcile. */
    @Test
    void onePassingLookPassesOneAnalysisStepNotTheNextWeightToo() {
        AnalysisSpec noMinimum = new AnalysisSpec("threshold", Duration.ofMinutes(1), Duration.ZERO,
                Duration.ofMinutes(10), 0.01, 0.2, 99, 500, 5, false, Duration.ZERO, 0.001, null);
        var s = canary(new Step.SetWeight(1000), new Step.Analysis(noMinimum), new Step.SetWeight(2000),
                new Step.Analysis(noMinimum), new Step.SetWeight(3000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(d.next().stepIndex()).isEqualTo(1);

        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.PASS, "check 1 passed"), T0.plusSeconds(60));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(2000));
        assertThat(d.next().stepIndex()).as("the 20% step waits for its own look").isEqualTo(3);
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);

        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.PASS, "check 2 passed"), T0.plusSeconds(120));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(3000));
        assertThat(of(d, Action.Promote.class)).hasSize(1);
    }

    @Test
    void aFailingVerdictAtAnyPhaseRollsBackAndCallsRollbackHooks() {
        var s = canary(new Step.SetWeight(500), new Step.Pause(null), new Step.SetWeight(2000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.FAIL, "E=312 >= 100"), T0.plusSeconds(20));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(d.next().weight()).isZero();
        assertThat(d.next().outcome()).contains("E=312");
        assertThat(of(d, Action.RollBack.class)).singleElement().extracting(Action.RollBack::reason).asString()
                .contains("analysis failed");
        assertThat(of(d, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(ON_ROLLBACK));
    }

    @Test
    void aFailDuringTheBakeAfterPromotionStillRollsBack() {
        var s = canary(new Step.SetWeight(1000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.BAKING);
        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.FAIL, "latency"), T0.plusSeconds(30));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(of(d, Action.RollBack.class)).hasSize(1);
    }

    @Test
    void tooLittleEvidencePausesAsInconclusiveInsteadOfFailing() {
        var s = canary(new Step.SetWeight(100), new Step.Analysis(null));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.INCONCLUSIVE, "3 requests"), T0.plus(Duration.ofMinutes(5)));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
        assertThat(d.next().waiting()).isInstanceOfSatisfying(Waiting.Promotion.class,
                w -> assertThat(w.why()).contains("inconclusive", "promote or abort"));
        assertThat(of(d, Action.RollBack.class)).isEmpty();
        // promote moves past the analysis step
        d = engine.command(d.next(), s, RolloutEngine.Command.PROMOTE, "alice", T0.plus(Duration.ofMinutes(6)));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.BAKING);
    }

    @Test
    void webhookPassesFailsOrBlocks() {
        var s = canary(new Step.Webhook(ACCEPTANCE), new Step.SetWeight(1000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(of(d, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(ACCEPTANCE));
        assertThat(d.next().waiting()).isEqualTo(new Waiting.Webhook("smoke", "acceptance"));
        Decision waiting = engine.reconcile(d.next(), s, Observation.NONE, T0.plusSeconds(1));
        assertThat(of(waiting, Action.CallWebhook.class)).as("not called twice").isEmpty();

        Decision passed = engine.reconcile(d.next(), s, Observation.webhook(true, "200 OK"), T0.plusSeconds(2));
        assertThat(of(passed, Action.SetWeight.class)).containsExactly(new Action.SetWeight(1000));

        Decision failed = engine.reconcile(d.next(), s, Observation.webhook(false, "timed out after 2s"), T0.plusSeconds(2));
        assertThat(failed.next().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(failed.next().outcome()).contains("acceptance webhook smoke failed: timed out");

        var blocking = canary(new Step.Webhook(new WebhookSpec("load", "load", "http://127.0.0.1:1", Duration.ofSeconds(1),
                0, "block")));
        d = engine.reconcile(fresh(), blocking, Observation.NONE, T0);
        d = engine.reconcile(d.next(), blocking, Observation.webhook(false, "HTTP 500"), T0.plusSeconds(1));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
        assertThat(of(d, Action.RollBack.class)).isEmpty();
    }

    @Test
    void aWebhookInFlightWhenTheControlPlaneDiedIsCalledAgainOnResume() {
        var s = canary(new Step.Webhook(ACCEPTANCE));
        Rollout persisted = engine.reconcile(fresh(), s, Observation.NONE, T0).next();
        Decision afterRestart = engine.reconcile(engine.resume(persisted), s, Observation.NONE, T0.plusSeconds(60));
        assertThat(of(afterRestart, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(ACCEPTANCE));
    }

    @Test
    void aTimedPauseInterruptedByACrashEndsOnScheduleAfterResume() {
        var s = canary(new Step.Pause(Duration.ofMinutes(2)), new Step.SetWeight(3000));
        Rollout persisted = engine.reconcile(fresh(), s, Observation.NONE, T0).next();
        // control plane down for 3 minutes: the pause is over when it comes back
        Decision d = engine.reconcile(engine.resume(persisted), s, Observation.NONE, T0.plus(Duration.ofMinutes(3)));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(3000));
    }

    @Test
    void anAnalysisInterruptedByACrashResumesAtTheSameStepAndNeedsFreshEvidence() {
        var s = canary(new Step.SetWeight(500), new Step.Analysis(null), new Step.SetWeight(5000));
        Rollout persisted = engine.reconcile(fresh(), s, Observation.verdict(Verdict.INCONCLUSIVE, "few"), T0).next();
        assertThat(persisted.stepIndex()).isEqualTo(1);
        Rollout resumed = engine.resume(persisted);
        assertThat(resumed).isEqualTo(persisted);
        // the new control plane's analysis starts over: INCONCLUSIVE holds, a later PASS moves on
        Decision d = engine.reconcile(resumed, s, Observation.verdict(Verdict.INCONCLUSIVE, "restarted"), T0.plusSeconds(40));
        assertThat(d.next().stepIndex()).isEqualTo(1);
        d = engine.reconcile(d.next(), s, Observation.verdict(Verdict.PASS, "bounds"), T0.plusSeconds(80));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(5000));
    }

    @Test
    void pauseResumeAbortAndPromoteFull() {
        var s = canary(new Step.SetWeight(500), new Step.Pause(Duration.ofMinutes(10)), new Step.SetWeight(5000));
        Rollout r = engine.reconcile(fresh(), s, Observation.NONE, T0).next();
        Decision paused = engine.command(r, s, RolloutEngine.Command.PAUSE, "bob", T0.plusSeconds(5));
        assertThat(paused.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
        assertThatThrownBy(() -> engine.command(paused.next(), s, RolloutEngine.Command.PAUSE, "bob", T0))
                .isInstanceOf(DeployGuardException.class).hasMessageContaining("already paused");
        Decision resumed = engine.command(paused.next(), s, RolloutEngine.Command.RESUME, "bob", T0.plusSeconds(9));
        assertThat(resumed.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
        assertThat(resumed.next().stepIndex()).as("resume continues the same pause step").isEqualTo(1);

        Decision full = engine.command(resumed.next(), s, RolloutEngine.Command.PROMOTE_FULL, "bob", T0.plusSeconds(10));
        assertThat(of(full, Action.Promote.class)).hasSize(1);
        assertThat(of(full, Action.SetWeight.class)).as("promote --full skips the remaining steps").isEmpty();

        Decision aborted = engine.command(resumed.next(), s, RolloutEngine.Command.ABORT, "bob", T0.plusSeconds(10));
        assertThat(aborted.next().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(aborted.next().outcome()).isEqualTo("aborted by bob");
        assertThatThrownBy(() -> engine.command(aborted.next(), s, RolloutEngine.Command.PROMOTE, "bob", T0))
                .isInstanceOf(DeployGuardException.class).hasMessageContaining("already ROLLED_BACK");
    }

    @Test
    void blueGreenWaitsForPromotionWhenNotAutoPromotedAndBakesForTheScaleDownDelay() {
        var bg = new Strategy.BlueGreen("127.0.0.1:8081", List.of(new Step.Webhook(ACCEPTANCE)), false,
                Duration.ofMinutes(5), ANALYSIS, Duration.ofMinutes(1), List.of());
        Decision d = engine.reconcile(Rollout.start(1, "web", RolloutKind.BLUE_GREEN, 1, 2, T0), bg, Observation.NONE, T0);
        assertThat(d.next().weight()).as("no user traffic before the switch").isZero();
        d = engine.reconcile(d.next(), bg, Observation.webhook(true, "ok"), T0.plusSeconds(3));
        assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
        d = engine.command(d.next(), bg, RolloutEngine.Command.PROMOTE, "alice", T0.plusSeconds(20));
        assertThat(of(d, Action.Promote.class)).hasSize(1);
        assertThat(d.wakeAt()).as("old release kept warm for scaleDownDelay").isEqualTo(T0.plusSeconds(20)
                .plus(Duration.ofMinutes(5)));
    }
}
