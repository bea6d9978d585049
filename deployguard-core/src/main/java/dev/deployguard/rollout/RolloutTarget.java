package dev.deployguard.rollout;

import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.metric.MetricQuery;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * Carries out the engine's actions for one platform and strategy (local canary, local blue/green, a Kubernetes
 * Deployment behind ingress-nginx or the Gateway API, a Kubernetes blue/green Service switch, a Helm release's
 * canary or blue/green) and names where the rollout's evidence comes from. Chosen once per app, as Argo Rollouts
 * picks one traffic-routing reconciler per router.
 *
 * <p>A target only acts: the rollout runner keeps the rollout's state, its events and its webhooks. A target never
 * sleeps waiting for its platform; it answers {@link Progress#NOT_YET} and is asked again on a later tick.
 */
public interface RolloutTarget {

    /** Whether an action is carried out, or must be tried again later (the platform has not caught up). */
    enum Progress { DONE, NOT_YET }

    /**
     * Prepares the new release on its platform before the rollout's first step ({@link Waiting.Preparing}: a
     * Kubernetes canary Deployment started beside the serving one): starts what is missing and answers
     * {@link Progress#NOT_YET} until it is ready for traffic. Called by the request that deploys, then on each tick
     * until DONE, also by a control plane restarted meanwhile; so idempotent, and it never waits. Platforms whose
     * releases are ready before their rollout begins answer DONE.
     */
    default Progress prepare(Rollout r, Waiting.Preparing preparing, String actor) {
        return Progress.DONE;
    }

    /**
     * The rollout as it begins once {@link #prepare} answered DONE; a platform whose preparation made a new revision
     * of the serving release (the stable pods given the track label) renumbers the revisions here. A preparation
     * that was the whole change (a Kubernetes blue/green rollback switched to its slot once it rolled out) answers
     * the rollout finished ({@link Rollout.Phase#isDone}); the runner then stores it and takes no step.
     */
    default Rollout prepared(Rollout r, Waiting.Preparing preparing) {
        return r;
    }

    /**
     * What the new release waits for while it is analysed, if it does not serve now (a Kubernetes canary Deployment
     * that lost readiness after preparation: Flagger's check on each analysis iteration), and how long it may stay
     * so (Flagger's {@code progressDeadlineSeconds}); empty when it serves. The runner holds the rollout meanwhile
     * (no check counted, no weight changed) and rolls it back once the deadline passes. Asked on each tick of the
     * analysis, so quick; platforms whose releases do not lose readiness answer empty.
     */
    default Optional<Unready> unready(Rollout r) {
        return Optional.empty();
    }

    /**
     * A release that does not serve now: {@code what} it waits for (people read it after "waiting for"), and the
     * {@code deadline} it may stay so for, counted from when it was first seen not ready.
     */
    record Unready(String what, java.time.Duration deadline) {
        public Unready {
            java.util.Objects.requireNonNull(what, "what");
            java.util.Objects.requireNonNull(deadline, "deadline");
        }
    }

    /** Called once when the rollout of {@code r} begins: no user traffic on the new release yet (weight 0). */
    void begin(Rollout r, String actor);

    /**
     * Carries out one of the engine's platform actions ({@link Action.SetWeight}, {@link Action.Promote},
     * {@link Action.RollBack}, {@link Action.Finish}) for {@code r}, the rollout as it is after the decision.
     * Idempotent: after a restart the runner may carry out an ending again.
     */
    Progress apply(Action action, Rollout r, String actor);

    /** Where the analysis of {@code r} reads its windows, starting at {@code since}. */
    MetricSource evidence(Rollout r, Instant since);

    /**
     * Answers custom metrics' built-in measures ({@code provider: {router: {measure: ...}}}: error rate, latency,
     * request rate, CPU and memory per request) for {@code r}, per track. Asked once per rollout; a platform without
     * them answers every query as unavailable, which holds the metric (never fails it).
     */
    default MetricQuery builtins(Rollout r, Instant since) {
        return (metric, track, at) -> new MetricQuery.Answer.Unavailable("this platform has no built-in measure "
                + ((dev.deployguard.analysis.metric.Provider.Router) metric.provider()).measure());
    }

    /**
     * Where an analysis' built-in {@code load} sends its synthetic requests for {@code r} (the app's router, which
     * splits them between the tracks), or empty when this target has no such address yet.
     */
    default Optional<URI> loadTarget(Rollout r) {
        return Optional.empty();
    }

    /**
     * Where the built-in {@code load} goes, by name: one address that splits it between the tracks ({@link
     * #loadTarget}), or one per track (a Kubernetes canary's Services, the rate shared evenly between them); empty
     * when there is none.
     */
    default java.util.Map<String, URI> loadTargets(Rollout r) {
        return loadTarget(r).map(u -> java.util.Map.of("router", u)).orElse(java.util.Map.of());
    }
}
