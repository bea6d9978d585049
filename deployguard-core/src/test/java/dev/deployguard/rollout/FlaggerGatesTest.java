package dev.deployguard.rollout;

import static dev.deployguard.rollout.RolloutEngineTest.T0;
import static dev.deployguard.rollout.RolloutEngineTest.canary;
import static dev.deployguard.rollout.RolloutEngineTest.fresh;
import static dev.deployguard.rollout.RolloutEngineTest.of;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Flagger's gates and pre-rollout hook in simulated time (fluxcd/flagger docs/gitbook/usage/webhooks.md,
 * pkg/controller/scheduler.go): a confirm-* gate that answers "not yet" holds the rollout and is asked again every
 * interval; a failing pre-rollout hook is a failed check, rolled back only at the threshold.
 */
class FlaggerGatesTest {
    static final WebhookSpec CONFIRM = new WebhookSpec("approve", "confirm-traffic-increase", "http://127.0.0.1:1/a",
            Duration.ofSeconds(2), 0, "hold");
    static final WebhookSpec PRE = new WebhookSpec("db", "pre-rollout", "http://127.0.0.1:1/db",
            Duration.ofSeconds(2), 0, "count");

    final RolloutEngine engine = new RolloutEngine();

    @Test
    void aClosedGateHoldsTheWeightAndIsAskedAgainEveryIntervalUntilItOpens() {
        var s = canary(new Step.Webhook(CONFIRM), new Step.SetWeight(1000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        assertThat(of(d, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(CONFIRM));

        Instant t = T0;
        for (int i = 0; i < 20; i++) {
            t = t.plusSeconds(1);
            d = engine.reconcile(d.next(), s, Observation.webhook(false, "HTTP 403 not yet"), t);
            assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
            assertThat(of(d, Action.SetWeight.class)).as("no traffic increase while the gate is closed").isEmpty();
            assertThat(of(d, Action.RollBack.class)).isEmpty();
            assertThat(d.next().waiting()).isInstanceOf(Waiting.Retry.class);
            assertThat(d.wakeAt()).isEqualTo(t.plus(RolloutEngineTest.ANALYSIS.interval()));
            t = d.wakeAt();
            d = engine.reconcile(d.next(), s, Observation.NONE, t);
            assertThat(of(d, Action.CallWebhook.class)).as("asked again").containsExactly(new Action.CallWebhook(CONFIRM));
        }
        d = engine.reconcile(d.next(), s, Observation.webhook(true, "200 OK"), t.plusSeconds(1));
        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(1000));
    }

    @Test
    void aGateAskedWhenTheControlPlaneDiedIsAskedAgainOnResume() {
        var s = canary(new Step.Webhook(CONFIRM), new Step.SetWeight(1000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        d = engine.reconcile(d.next(), s, Observation.webhook(false, "not yet"), T0.plusSeconds(1));
        d = engine.reconcile(d.next(), s, Observation.NONE, d.wakeAt());
        Rollout persisted = d.next();
        assertThat(persisted.waiting()).isEqualTo(new Waiting.Retry("approve", "confirm-traffic-increase", 0, true));

        Decision after = engine.reconcile(engine.resume(persisted), s, Observation.NONE, T0.plusSeconds(60));

        assertThat(of(after, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(CONFIRM));
    }

    @Test
    void aFailingPreRolloutHookCountsTowardTheThresholdInsteadOfRollingBackAtOnce() {
        var s = canary(new Step.Webhook(PRE), new Step.SetWeight(1000));
        int threshold = RolloutEngineTest.ANALYSIS.failureLimit();
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        Instant t = T0;
        for (int failure = 1; failure < threshold; failure++) {
            t = t.plusSeconds(1);
            d = engine.reconcile(d.next(), s, Observation.webhook(false, "HTTP 500"), t);
            assertThat(d.next().phase()).as("failure %d of %d", failure, threshold)
                    .isEqualTo(Rollout.Phase.PROGRESSING);
            assertThat(d.next().waiting()).isEqualTo(new Waiting.Retry("db", "pre-rollout", failure, false));
            d = engine.reconcile(d.next(), s, Observation.NONE, d.wakeAt());
            assertThat(of(d, Action.CallWebhook.class)).containsExactly(new Action.CallWebhook(PRE));
        }
        d = engine.reconcile(d.next(), s, Observation.webhook(false, "HTTP 500"), t.plus(Duration.ofMinutes(1)));

        assertThat(d.next().phase()).as("the threshold-th failure rolls back").isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(d.next().outcome()).contains("pre-rollout webhook db failed");
    }

    @Test
    void aPreRolloutHookThatRecoversBeforeTheThresholdLetsTheRolloutGoOn() {
        var s = canary(new Step.Webhook(PRE), new Step.SetWeight(1000));
        Decision d = engine.reconcile(fresh(), s, Observation.NONE, T0);
        d = engine.reconcile(d.next(), s, Observation.webhook(false, "HTTP 500"), T0.plusSeconds(1));
        d = engine.reconcile(d.next(), s, Observation.NONE, d.wakeAt());
        d = engine.reconcile(d.next(), s, Observation.webhook(true, "200"), T0.plusSeconds(10));

        assertThat(of(d, Action.SetWeight.class)).containsExactly(new Action.SetWeight(1000));
    }
}
