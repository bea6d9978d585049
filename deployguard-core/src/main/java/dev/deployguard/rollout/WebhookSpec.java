package dev.deployguard.rollout;

import java.time.Duration;

/**
 * A Flagger-style webhook: an HTTP POST with the rollout's context, passing on 2xx.
 *
 * @param type pre-rollout, acceptance, load, post-rollout or rollback
 * @param onFailure {@code rollback} (default) or {@code block} (pause until an operator decides)
 */
public record WebhookSpec(String name, String type, String url, Duration timeout, int retries, String onFailure) {
}
