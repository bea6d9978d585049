package dev.deployguard.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How an app moves from the serving release to a new one. Each strategy says what its rollout runs: the steps before
 * promotion, the analysis that watches it, how long the promoted release is baked, which outcome webhooks it calls.
 */
public sealed interface Strategy permits Strategy.Replace, Strategy.Canary, Strategy.BlueGreen {

    /** The steps run before promotion, in order. */
    List<Step> steps();

    /** The analysis that judges the new release for the rollout's whole life. */
    AnalysisSpec analysis();

    /** How long the promoted release is watched with the previous one warm (automatic rollback on FAIL). */
    Duration bake();

    /** The outcome webhooks ({@code rollback}, {@code post-rollout}); steps' webhooks are in {@link #steps()}. */
    List<WebhookSpec> hooks();

    /** Which rollout this strategy runs; a {@link Replace} runs none (it is not a progressive strategy). */
    RolloutKind rolloutKind();

    /**
     * The spec's {@code progressDeadlineSeconds} (Flagger's and Argo Rollouts' name): how long the new release's
     * workload may take to become ready before the rollout is rolled back; empty when the spec does not say.
     */
    default Optional<Duration> progressDeadline() {
        return Optional.empty();
    }

    /** The outcome webhooks of one {@code type}. */
    default List<WebhookSpec> hooks(String type) {
        return hooks().stream().filter(h -> h.type().equals(type)).toList();
    }

    /** True for strategies that run a rollout (canary, blue/green) rather than a plain switch. */
    default boolean isProgressive() {
        return true;
    }

    /** Whether any step before promotion is an analysis (then the rollout needs a source of evidence). */
    default boolean hasAnalysisStep() {
        return steps().stream().anyMatch(Step.Analysis.class::isInstance);
    }

    /** Start the new release, switch all traffic when it is ready (the default). */
    record Replace() implements Strategy {
        @Override
        public List<Step> steps() {
            return List.of();
        }

        @Override
        public AnalysisSpec analysis() {
            return AnalysisSpec.defaults();
        }

        @Override
        public Duration bake() {
            return Duration.ZERO;
        }

        @Override
        public List<WebhookSpec> hooks() {
            return List.of();
        }

        @Override
        public RolloutKind rolloutKind() {
            throw new IllegalStateException("a replace deploy runs no rollout");
        }

        @Override
        public boolean isProgressive() {
            return false;
        }
    }

    /**
     * Canary: explicit steps; after the last step the canary is promoted, then watched for {@code bake} with the
     * stable release still warm (automatic rollback on FAIL during the bake). {@code hooks} are the webhooks
     * called on an outcome rather than as a step: {@code rollback} and {@code post-rollout}.
     */
    record Canary(List<Step> steps, AnalysisSpec analysis, Duration bake, List<WebhookSpec> hooks,
                  Optional<Duration> progressDeadline) implements Strategy {
        public Canary {
            steps = List.copyOf(steps);
            hooks = List.copyOf(hooks);
            progressDeadline = progressDeadline == null ? Optional.empty() : progressDeadline;
        }

        /** A canary without a progress deadline of its own. */
        public Canary(List<Step> steps, AnalysisSpec analysis, Duration bake, List<WebhookSpec> hooks) {
            this(steps, analysis, bake, hooks, Optional.empty());
        }

        @Override
        public RolloutKind rolloutKind() {
            return RolloutKind.CANARY;
        }
    }

    /**
     * Blue/green: the new release starts beside the old with no user traffic (reachable on the preview address),
     * pre-promotion steps run, then all traffic switches; the old release stays warm for {@code scaleDownDelay}.
     *
     * @param minimumBake the spec's {@code bake}: the promoted release is watched for the longer of it and
     *                    {@code scaleDownDelay} (see {@link #bake()})
     */
    record BlueGreen(String previewListen, List<Step> prePromotion, boolean autoPromote, Duration scaleDownDelay,
                     AnalysisSpec analysis, Duration minimumBake, List<WebhookSpec> hooks,
                     Optional<Duration> progressDeadline) implements Strategy {
        public BlueGreen {
            prePromotion = List.copyOf(prePromotion);
            hooks = List.copyOf(hooks);
            progressDeadline = progressDeadline == null ? Optional.empty() : progressDeadline;
        }

        /** A blue/green without a progress deadline of its own. */
        public BlueGreen(String previewListen, List<Step> prePromotion, boolean autoPromote, Duration scaleDownDelay,
                         AnalysisSpec analysis, Duration minimumBake, List<WebhookSpec> hooks) {
            this(previewListen, prePromotion, autoPromote, scaleDownDelay, analysis, minimumBake, hooks,
                    Optional.empty());
        }

        /** The pre-promotion steps, then (unless {@code autoPromote}) a pause until a person promotes. */
        @Override
        public List<Step> steps() {
            List<Step> steps = new ArrayList<>(prePromotion);
            if (!autoPromote) {
                steps.add(new Step.Pause(null));
            }
            return List.copyOf(steps);
        }

        /** The old slot stays warm, and the new one is watched, for the longer of the bake and the scale-down delay. */
        @Override
        public Duration bake() {
            return minimumBake.compareTo(scaleDownDelay) > 0 ? minimumBake : scaleDownDelay;
        }

        @Override
        public RolloutKind rolloutKind() {
            return RolloutKind.BLUE_GREEN;
        }
    }
}
