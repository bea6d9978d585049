package dev.deployguard.rollout;

import java.time.Duration;
import java.util.List;

/** How an app moves from the serving release to a new one. */
public sealed interface Strategy permits Strategy.Replace, Strategy.Canary, Strategy.BlueGreen {

    /** Start the new release, switch all traffic when it is ready (the default). */
    record Replace() implements Strategy {
    }

    /**
     * Canary: explicit steps; after the last step the canary is promoted, then watched for {@code bake} with the
     * stable release still warm (automatic rollback on FAIL during the bake). {@code hooks} are the webhooks
     * called on an outcome rather than as a step: {@code rollback} and {@code post-rollout}.
     */
    record Canary(List<Step> steps, AnalysisSpec analysis, Duration bake, List<WebhookSpec> hooks)
            implements Strategy {
        public Canary {
            steps = List.copyOf(steps);
            hooks = List.copyOf(hooks);
        }
    }

    /**
     * Blue/green: the new release starts beside the old with no user traffic (reachable on the preview address),
     * pre-promotion steps run, then all traffic switches; the old release stays warm for {@code scaleDownDelay}.
     */
    record BlueGreen(String previewListen, List<Step> prePromotion, boolean autoPromote, Duration scaleDownDelay,
                     AnalysisSpec analysis, Duration bake, List<WebhookSpec> hooks) implements Strategy {
        public BlueGreen {
            prePromotion = List.copyOf(prePromotion);
            hooks = List.copyOf(hooks);
        }
    }
}
