package dev.deployguard.rollout;

import dev.deployguard.analysis.LatencyComparison;
import dev.deployguard.analysis.metric.MetricDefinition;
import java.time.Duration;
import java.util.List;

/**
 * How a canary is judged: which judge, how often it looks, how long it may hold for evidence.
 *
 * @param judge sequential (default), threshold or mannWhitney
 * @param interval how often the judge is given a new window of measurements
 * @param minDuration no PASS before this much time (a canary must be seen under traffic)
 * @param maxDuration longest hold for evidence; then the rollout pauses as INCONCLUSIVE
 * @param alpha the sequential judge's bound on the false-rollback probability
 * @param tolerance how much worse than stable the canary may be (0.1 = 10%) and still pass
 * @param successRate threshold judge: minimum success rate in percent per interval (Flagger's default 99)
 * @param maxLatencyMillis threshold judge: maximum p99 latency per interval (Flagger's default 500)
 * @param failureLimit threshold judge: consecutive failed intervals before rollback (Flagger's threshold)
 * @param latency whether latency is judged besides errors
 * @param latencyWarmup latency is not judged in a rollout's first moments: a freshly started process (a cold JIT,
 *                      empty caches) is slower for a while, and that is not the regression users care about
 * @param negligibleErrorRate sequential judge: a canary whose own error rate is confidently below this may be
 *                            promoted whatever the ratio to stable (so an app that never errs is not held forever)
 * @param source where measurements come from; null for DeployGuard's router (per-request evidence)
 * @param metrics custom metrics (inline and from templates) with Argo Rollouts' run semantics; see docs/analysis.md
 * @param strict {@code compat: strict}: decide exactly as the anchor (a custom metric's Error beyond its limit rolls
 *               back, as Argo Rollouts aborts; a threshold check without data fails, as in Flagger; no data scores 0,
 *               as in Kayenta) instead of DeployGuard's departures (provider errors and no data hold)
 * @param latencyComparison sequential judge: a canary request counts as slower only beyond this relative tolerance
 *                          and absolute indifference ({@code latency: {tolerance: 10%, indifference: 5ms}})
 * @param latencyWarmupRequests sequential judge: the canary's first requests give no latency evidence either
 * @param load built-in synthetic load while this analysis runs, or null (see {@link LoadSpec})
 */
public record AnalysisSpec(String judge, Duration interval, Duration minDuration, Duration maxDuration,
                           double alpha, double tolerance, double successRate, double maxLatencyMillis,
                           int failureLimit, boolean latency, Duration latencyWarmup, double negligibleErrorRate,
                           MetricSourceSpec source, List<MetricDefinition> metrics, boolean strict,
                           LatencyComparison latencyComparison, long latencyWarmupRequests, LoadSpec load) {
    /** The latency comparison when the spec sets none: 10% and 5 ms. */
    public static final LatencyComparison DEFAULT_LATENCY = new LatencyComparison(0.10, 5);
    public static final long DEFAULT_WARMUP_REQUESTS = 200;

    public AnalysisSpec {
        metrics = metrics == null ? List.of() : List.copyOf(metrics);
        latencyComparison = latencyComparison == null ? DEFAULT_LATENCY : latencyComparison;
        if (latencyWarmupRequests < 0) {
            throw new IllegalArgumentException("latencyWarmupRequests must not be negative");
        }
    }

    /** An analysis with custom metrics, {@code compat} as given, the default latency comparison and warm-up. */
    public AnalysisSpec(String judge, Duration interval, Duration minDuration, Duration maxDuration,
                        double alpha, double tolerance, double successRate, double maxLatencyMillis,
                        int failureLimit, boolean latency, Duration latencyWarmup, double negligibleErrorRate,
                        MetricSourceSpec source, List<MetricDefinition> metrics, boolean strict) {
        this(judge, interval, minDuration, maxDuration, alpha, tolerance, successRate, maxLatencyMillis,
                failureLimit, latency, latencyWarmup, negligibleErrorRate, source, metrics, strict, DEFAULT_LATENCY,
                DEFAULT_WARMUP_REQUESTS, null);
    }

    /** An analysis with custom metrics and DeployGuard's departures (not {@code compat: strict}). */
    public AnalysisSpec(String judge, Duration interval, Duration minDuration, Duration maxDuration,
                        double alpha, double tolerance, double successRate, double maxLatencyMillis,
                        int failureLimit, boolean latency, Duration latencyWarmup, double negligibleErrorRate,
                        MetricSourceSpec source, List<MetricDefinition> metrics) {
        this(judge, interval, minDuration, maxDuration, alpha, tolerance, successRate, maxLatencyMillis,
                failureLimit, latency, latencyWarmup, negligibleErrorRate, source, metrics, false);
    }

    /** The same analysis with another latency comparison and warm-up request count. */
    public AnalysisSpec withLatencyJudging(LatencyComparison comparison, long warmupRequests) {
        return new AnalysisSpec(judge, interval, minDuration, maxDuration, alpha, tolerance, successRate,
                maxLatencyMillis, failureLimit, latency, latencyWarmup, negligibleErrorRate, source, metrics, strict,
                comparison, warmupRequests, load);
    }

    /** The same analysis with built-in load (null: none). */
    public AnalysisSpec withLoad(LoadSpec value) {
        return new AnalysisSpec(judge, interval, minDuration, maxDuration, alpha, tolerance, successRate,
                maxLatencyMillis, failureLimit, latency, latencyWarmup, negligibleErrorRate, source, metrics, strict,
                latencyComparison, latencyWarmupRequests, value);
    }

    /** An analysis without custom metrics. */
    public AnalysisSpec(String judge, Duration interval, Duration minDuration, Duration maxDuration,
                        double alpha, double tolerance, double successRate, double maxLatencyMillis,
                        int failureLimit, boolean latency, Duration latencyWarmup, double negligibleErrorRate,
                        MetricSourceSpec source) {
        this(judge, interval, minDuration, maxDuration, alpha, tolerance, successRate, maxLatencyMillis,
                failureLimit, latency, latencyWarmup, negligibleErrorRate, source, List.of());
    }

    public static AnalysisSpec defaults() {
        return new AnalysisSpec("sequential", Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(10),
                0.01, 0.0, 99.0, 500.0, 5, true, Duration.ofSeconds(60), 0.001, null);
    }
}
