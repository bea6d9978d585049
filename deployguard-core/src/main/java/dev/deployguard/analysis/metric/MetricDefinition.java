package dev.deployguard.analysis.metric;

import dev.deployguard.analysis.MetricDirection;
import java.time.Duration;
import java.util.Objects;

/**
 * One named metric of an analysis, with Argo Rollouts' run semantics and the judge's weighting.
 *
 * @param relative true: measured per track and the canary compared to stable; false: the value alone, against bounds
 * @param direction which change counts against the canary (relative metrics): a measurement on the other side of 1
 *                  is Successful whatever the conditions say ({@link #measureRatio})
 * @param weight share of the analysis's score ({@link MetricAnalysis#score()})
 * @param critical a failing critical metric fails the analysis whatever the others say
 * @param successCondition null when absent
 * @param failureCondition null when absent
 * @param count measurements to take; null for as many as the analysis lasts (Argo: 1 when also no interval)
 * @param interval time between measurements; null to measure once
 * @param initialDelay time before the first measurement
 * @param failureLimit failed measurements tolerated; negative: failures never fail the metric
 * @param consecutiveSuccessLimit successes in a row that end the metric as Successful; 0 for off
 * @param consecutiveErrorLimit errors in a row tolerated (Argo's default 4)
 * @param inconclusiveLimit inconclusive measurements tolerated
 * @param dryRun measured and recorded, never decides
 */
public record MetricDefinition(String name, Provider provider, boolean relative, MetricDirection direction,
                               double weight, boolean critical, Condition successCondition,
                               Condition failureCondition, Integer count, Duration interval, Duration initialDelay,
                               int failureLimit, int consecutiveSuccessLimit, int consecutiveErrorLimit,
                               int inconclusiveLimit, boolean dryRun) {
    /** Argo Rollouts' default {@code consecutiveErrorLimit}. */
    public static final int DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

    public MetricDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(direction, "direction");
        initialDelay = initialDelay == null ? Duration.ZERO : initialDelay;
        if (count != null && count == 0) {
            count = null;
        }
    }

    /** A metric with Argo's defaults, for tests and templates. */
    public static MetricDefinition of(String name, Provider provider) {
        return new MetricDefinition(name, provider, false, MetricDirection.EITHER, 1.0, false, null, null, null,
                null, Duration.ZERO, 0, 0, DEFAULT_CONSECUTIVE_ERROR_LIMIT, 0, false);
    }

    /** Measurements after which the metric is complete; null when it runs as long as the analysis (Argo). */
    public Integer effectiveCount() {
        if (count == null) {
            return interval == null ? 1 : null;
        }
        return count;
    }

    /** The phase Argo gives one result under this metric's conditions. */
    public MetricPhase evaluate(Object result) {
        boolean success = false;
        boolean failure = false;
        if (successCondition != null) {
            success = successCondition.test(result);
        }
        if (failureCondition != null) {
            failure = failureCondition.test(result);
        }
        if (successCondition == null && failureCondition == null) {
            return MetricPhase.SUCCESSFUL;
        } else if (failureCondition == null) {
            failure = !success;
        } else if (successCondition == null) {
            success = !failure;
        }
        if (failure) {
            return MetricPhase.FAILED;
        }
        return success ? MetricPhase.SUCCESSFUL : MetricPhase.INCONCLUSIVE;
    }

    /**
     * Measures a relative metric's canary / stable ratio. A change its {@code direction} does not count against the
     * canary (a ratio at or below 1 for {@code increase}, at or above 1 for {@code decrease}) is Successful even when
     * a condition would fail it or leave it inconclusive, as Kayenta's judge passes a metric that moved the harmless
     * way (spinnaker/kayenta, kayenta-judge/.../classifiers/metric/MannWhitneyClassifier.scala classifies High only
     * for Increase or Either, Low only for Decrease or Either, else Pass); {@code either} leaves the conditions alone.
     */
    public Measurement measureRatio(java.time.Instant at, double ratio) {
        Measurement m = measure(at, ratio);
        boolean harmless = (direction == MetricDirection.INCREASE && ratio <= 1)
                || (direction == MetricDirection.DECREASE && ratio >= 1);
        if (harmless && (m.phase() == MetricPhase.FAILED || m.phase() == MetricPhase.INCONCLUSIVE)) {
            String side = direction == MetricDirection.INCREASE ? "increase" : "decrease";
            return new Measurement(at, MetricPhase.SUCCESSFUL, ratio, "the canary did not " + side
                    + " against stable, and only an " + side + " counts against it (direction: " + side + ")");
        }
        return m;
    }

    /** Measures {@code result} at {@code at}: Error (never Failed) when a condition cannot be evaluated on it. */
    public Measurement measure(java.time.Instant at, Object result) {
        try {
            return new Measurement(at, evaluate(result), result, "");
        } catch (Condition.ConditionException e) {
            if (result instanceof java.util.List<?> vector) {
                return Measurement.error(at, name + ": the query returned a vector of " + vector.size()
                        + " values where the condition needs a scalar: aggregate it in the query (sum(...)) or"
                        + " index it in the condition (result[0]); " + e.getMessage());
            }
            return Measurement.error(at, name + ": " + e.getMessage());
        }
    }
}
