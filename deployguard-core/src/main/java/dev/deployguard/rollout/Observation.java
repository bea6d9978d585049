package dev.deployguard.rollout;

import dev.deployguard.analysis.Verdict;

/**
 * What the adapters saw since the last look: the running analysis' verdict and the outcome of a webhook the
 * engine asked for. Either may be absent.
 *
 * @param verdict the rollout's analysis verdict, or null when none runs yet
 * @param evidence the verdict's explanation (value, bound, counts), for events and status
 * @param webhookPassed outcome of the webhook of the current step, or null while none finished
 * @param webhookDetail what the webhook answered or why it failed
 */
public record Observation(Verdict verdict, String evidence, Boolean webhookPassed, String webhookDetail) {
    public static final Observation NONE = new Observation(null, null, null, null);

    public static Observation verdict(Verdict verdict, String evidence) {
        return new Observation(verdict, evidence, null, null);
    }

    public static Observation webhook(boolean passed, String detail) {
        return new Observation(null, null, passed, detail);
    }
}
