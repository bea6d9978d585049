package dev.deployguard.analysis.metric;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The measurements of one metric during one analysis and the phase they add up to, with Argo Rollouts' semantics:
 * counters per phase, streaks of successes and errors, the limits that end the metric, and when to measure next.
 * Pure and clock-free: the caller says what time it is.
 */
public final class MetricRun {
    /** Argo's wait before a measurement that follows an Error, whatever the interval. */
    public static final Duration ERROR_RETRY_INTERVAL = Duration.ofSeconds(10);

    private final MetricDefinition metric;
    private final Instant startedAt;
    private final boolean errorsHold;
    private final List<Measurement> measurements = new ArrayList<>();
    private int count;
    private int successful;
    private int failed;
    private int inconclusive;
    private int error;
    private int consecutiveSuccess;
    private int consecutiveError;
    private MetricPhase phase = MetricPhase.PENDING;
    private String message = "";

    /** A run with Argo's semantics exactly ({@code compat: strict}). */
    public MetricRun(MetricDefinition metric, Instant startedAt) {
        this(metric, startedAt, false);
    }

    /**
     * @param errorsHold DeployGuard's departure (the default): Error measurements (a provider unreachable, no data,
     *                   a result the conditions cannot judge) never end the metric, whatever
     *                   {@code consecutiveErrorLimit}; the metric keeps measuring (every 10 s) and holds meanwhile
     */
    public MetricRun(MetricDefinition metric, Instant startedAt, boolean errorsHold) {
        this.metric = Objects.requireNonNull(metric, "metric");
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.errorsHold = errorsHold;
    }

    /** Whether the latest measurement is an Error that holds the metric (see {@link #MetricRun(MetricDefinition, Instant, boolean)}). */
    public boolean holding() {
        return errorsHold && !phase.completed() && !measurements.isEmpty()
                && measurements.get(measurements.size() - 1).phase() == MetricPhase.ERROR;
    }

    /** The latest measurement, if any. */
    public java.util.Optional<Measurement> last() {
        return measurements.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(measurements.get(measurements.size() - 1));
    }

    public MetricDefinition metric() {
        return metric;
    }

    /** Adds a completed measurement and re-assesses the metric. A completed metric ignores further ones. */
    public MetricPhase record(Measurement m) {
        if (phase.completed()) {
            return phase;
        }
        measurements.add(m);
        switch (m.phase()) {
            case SUCCESSFUL -> {
                successful++;
                count++;
                consecutiveError = 0;
                consecutiveSuccess++;
            }
            case FAILED -> {
                failed++;
                count++;
                consecutiveError = 0;
                consecutiveSuccess = 0;
            }
            case INCONCLUSIVE -> {
                inconclusive++;
                count++;
                consecutiveError = 0;
                consecutiveSuccess = 0;
            }
            case ERROR -> {
                error++;
                consecutiveError++;
                consecutiveSuccess = 0;
            }
            default -> throw new IllegalArgumentException("not a completed measurement: " + m.phase());
        }
        return assess(false);
    }

    /**
     * The metric's phase now; {@code terminating} when the analysis is being stopped (a metric still running then
     * ends Successful, as in Argo).
     */
    public MetricPhase assess(boolean terminating) {
        if (phase.completed()) {
            return phase;
        }
        if (measurements.isEmpty()) {
            return set(terminating ? MetricPhase.SUCCESSFUL : MetricPhase.PENDING, "");
        }
        String limit = limitReached();
        if (limit != null) {
            return phase;
        }
        int streak = metric.consecutiveSuccessLimit();
        if (streak > 0 && consecutiveSuccess >= streak) {
            return set(MetricPhase.SUCCESSFUL, "consecutiveSuccessLimit (" + streak + ") reached");
        }
        Integer effective = metric.effectiveCount();
        if (effective != null && count >= effective) {
            boolean failureApplicable = metric.failureLimit() >= 0;
            boolean successApplicable = streak > 0;
            if (failureApplicable && successApplicable) {
                return set(MetricPhase.INCONCLUSIVE, "consecutiveSuccessLimit (" + streak
                        + ") not reached and failureLimit (" + metric.failureLimit() + ") not violated");
            } else if (successApplicable) {
                return set(MetricPhase.FAILED, "consecutiveSuccessLimit (" + streak + ") not reached");
            }
            return set(MetricPhase.SUCCESSFUL, "count (" + effective + ") reached");
        }
        if (holding() && !terminating) {
            return set(MetricPhase.RUNNING, "holding: " + measurements.get(measurements.size() - 1).message());
        }
        return set(terminating ? MetricPhase.SUCCESSFUL : MetricPhase.RUNNING, "");
    }

    // Argo checks failure, then inconclusive, then error; the last that applies wins.
    private String limitReached() {
        MetricPhase p = null;
        String why = null;
        if (metric.failureLimit() >= 0 && failed > metric.failureLimit()) {
            p = MetricPhase.FAILED;
            why = "failed (" + failed + ") > failureLimit (" + metric.failureLimit() + ")";
        }
        if (inconclusive > metric.inconclusiveLimit()) {
            p = MetricPhase.INCONCLUSIVE;
            why = "inconclusive (" + inconclusive + ") > inconclusiveLimit (" + metric.inconclusiveLimit() + ")";
        }
        if (!errorsHold && consecutiveError > metric.consecutiveErrorLimit()) {
            p = MetricPhase.ERROR;
            why = "consecutiveErrors (" + consecutiveError + ") > consecutiveErrorLimit ("
                    + metric.consecutiveErrorLimit() + ")";
            String last = measurements.get(measurements.size() - 1).message();
            if (!last.isEmpty()) {
                why += ": " + last;
            }
        }
        if (p != null) {
            set(p, why);
        }
        return why;
    }

    private MetricPhase set(MetricPhase p, String why) {
        phase = p;
        message = why;
        return p;
    }

    /** When the next measurement is due; null when the metric takes no more (complete or its count reached). */
    public Instant nextMeasurementAt() {
        if (phase.completed()) {
            return null;
        }
        if (measurements.isEmpty()) {
            return startedAt.plus(metric.initialDelay());
        }
        Integer effective = metric.effectiveCount();
        if (effective != null && count >= effective) {
            return null;
        }
        Measurement last = measurements.get(measurements.size() - 1);
        Duration wait = last.phase() == MetricPhase.ERROR || metric.interval() == null
                ? ERROR_RETRY_INTERVAL : metric.interval();
        return last.at().plus(wait);
    }

    public MetricPhase phase() {
        return phase;
    }

    /** What the metric's status shows: phase, why, counters and every measurement. */
    public MetricStatus status() {
        return new MetricStatus(metric.name(), phase, message, metric.dryRun(), count, successful, failed,
                inconclusive, error, consecutiveSuccess, consecutiveError, List.copyOf(measurements));
    }
}
