package dev.deployguard.rollout;

import java.time.Duration;

/** One step of a canary rollout, as users of Argo Rollouts write them. */
public sealed interface Step permits Step.SetWeight, Step.Pause, Step.Analysis, Step.Webhook {

    /** Move the canary's share of traffic to {@code basisPoints} (10,000 = 100%). */
    record SetWeight(int basisPoints) implements Step {
    }

    /** Wait {@code duration}, or until promoted when it is null. */
    record Pause(Duration duration) implements Step {
    }

    /** Judge the canary against stable for up to {@code analysis.maxDuration()}; PASS moves on, FAIL rolls back. */
    record Analysis(AnalysisSpec analysis) implements Step {
    }

    /** Call a webhook (acceptance test, load test, ...); its failure blocks or rolls back as configured. */
    record Webhook(WebhookSpec webhook) implements Step {
    }
}
