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
}
