package dev.deployguard.server.deploy;

import dev.deployguard.analysis.metric.Measurement;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricGate;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.MetricRun;
import dev.deployguard.analysis.metric.MetricStatus;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The custom metrics of one rollout (issue 11 items 2 and 4): the strategy's analysis metrics run for the rollout's
 * whole life (steps, pauses and the bake), as Argo Rollouts' background analysis; an analysis step with metrics of
 * its own runs them from the step's start while the rollout is at that step, and the step cannot pass until they
 * allow it (Argo's inline analysis step). Every measurement is taken through one {@link MetricQuery}.
 */
final class RolloutMetrics {
    /**
     * One measurement taken, for the event log (and, for the strategy's relative metrics, the judge).
     *
     * @param background whether the metric is one of the strategy's analysis (runs for the whole rollout), not a
     *                   step's own
     */
    record Measured(String metric, Measurement measurement, MetricStatus status, boolean background) {
    }

    private final MetricQuery query;
    private final AnalysisSpec background;
    private final MetricAnalysis whole;
    private int stepIndex = -1;
    private AnalysisSpec stepSpec;
    private MetricAnalysis step;
    private final Map<String, Integer> seen = new HashMap<>();
    private final boolean stepsHaveMetrics;
    /** The final status of earlier steps' metrics, so {@code status} still shows them once the rollout moves on. */
    private final List<MetricStatus> earlierSteps = new ArrayList<>();

    RolloutMetrics(Strategy strategy, MetricQuery query, Instant startedAt) {
        this.query = query;
        this.background = strategy.analysis();
        this.stepsHaveMetrics = strategy.steps().stream().anyMatch(st -> st instanceof Step.Analysis a
                && a.analysis() != null && !a.analysis().metrics().isEmpty()
                && !a.analysis().metrics().equals(background.metrics()));
        this.whole = background.metrics().isEmpty() ? null
                : new MetricAnalysis(background.metrics(), startedAt, !background.strict());
    }

    /** Whether an analysis step has metrics of its own (which hold the step until they allow it to pass). */
    boolean stepsHaveMetrics() {
        return stepsHaveMetrics;
    }

    /**
     * Whether a PASS now could carry {@code r} into and through an analysis step whose own metrics have not measured
     * yet: the engine passes the first analysis step it reaches with one PASS, and that step is a later one with
     * metrics (the current step's metrics are judged by {@link #tick} instead).
     */
    boolean guardsNextStep(Rollout r, Strategy s) {
        if (!stepsHaveMetrics || r.phase() != Rollout.Phase.PROGRESSING) {
            return false;
        }
        for (int i = r.stepIndex(); i < s.steps().size(); i++) {
            if (s.steps().get(i) instanceof Step.Analysis a) {
                return i > r.stepIndex() && a.analysis() != null && !a.analysis().metrics().isEmpty()
                        && !a.analysis().metrics().equals(background.metrics());
            }
        }
        return false;
    }

    /** Whether the strategy or any of its steps has custom metrics. */
    static boolean any(Strategy s) {
        return !s.analysis().metrics().isEmpty() || s.steps().stream()
                .anyMatch(st -> st instanceof Step.Analysis a && a.analysis() != null
                        && !a.analysis().metrics().isEmpty());
    }

    /**
     * Takes the measurements due at {@code now} for {@code r} at its current step and says what they add up to.
     *
     * @param measured receives each new measurement
     */
    MetricGate.Outcome tick(Rollout r, Strategy s, Instant now, Consumer<Measured> measured) {
        follow(r, s);
        List<MetricAnalysis> background = new ArrayList<>();
        if (whole != null) {
            whole.tick(now, query);
            background.add(whole);
        }
        MetricGate.Outcome fromWhole = MetricGate.assess(background, this.background.strict(), false);
        MetricGate.Outcome fromStep = MetricGate.Outcome.NONE;
        if (step != null) {
            step.tick(now, query);
            fromStep = MetricGate.assess(List.of(step), stepSpec.strict(), true);
        }
        report(measured);
        if (fromWhole.verdict() == dev.deployguard.analysis.Verdict.FAIL || fromStep.verdict() == null) {
            return fromWhole;
        }
        return fromStep.verdict() == dev.deployguard.analysis.Verdict.FAIL || fromWhole.verdict() == null
                ? fromStep : fromWhole;
    }

    /** Lets the providers read their windows (every analysis tick). */
    void observe(Instant now) {
        query.observe(now);
    }

    /** When a measurement is next due (null when none is); the rollout's step may start new ones meanwhile. */
    Instant nextDue(Rollout r, Strategy s, Instant now) {
        follow(r, s);
        Instant a = whole == null ? null : whole.nextMeasurementAt();
        Instant b = step == null ? null : step.nextMeasurementAt();
        Instant next = a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
        // A step that just started measures at once: its first measurement is due at the step's start.
        return next == null ? null : next.isBefore(now) ? now : next;
    }

    /** Every metric's phase, counters and measurements: the strategy's, then the current step's. */
    List<MetricStatus> statuses() {
        List<MetricStatus> out = new ArrayList<>();
        if (whole != null) {
            out.addAll(whole.statuses());
        }
        out.addAll(earlierSteps);
        if (step != null) {
            out.addAll(step.statuses());
        }
        return out;
    }

    // Starts the current analysis step's own metrics when the rollout reaches it; drops them when it moves on.
    private void follow(Rollout r, Strategy s) {
        if (r.stepIndex() == stepIndex) {
            return;
        }
        stepIndex = r.stepIndex();
        if (step != null) {
            earlierSteps.addAll(step.statuses());
        }
        step = null;
        stepSpec = null;
        if (r.phase() != Rollout.Phase.PROGRESSING || stepIndex >= s.steps().size()
                || !(s.steps().get(stepIndex) instanceof Step.Analysis a) || a.analysis() == null) {
            return;
        }
        List<dev.deployguard.analysis.metric.MetricDefinition> own = a.analysis().metrics();
        // A step that writes no metrics of its own inherits the strategy's: those already run in the background.
        if (own.isEmpty() || Objects.equals(own, background.metrics())) {
            return;
        }
        stepSpec = a.analysis();
        step = new MetricAnalysis(own, r.stepStartedAt(), !stepSpec.strict());
        seen.keySet().removeIf(k -> k.startsWith("step/"));
    }

    private void report(Consumer<Measured> measured) {
        report("all/", whole, measured);
        report("step/", step, measured);
    }

    private void report(String scope, MetricAnalysis a, Consumer<Measured> measured) {
        if (a == null) {
            return;
        }
        for (MetricRun run : a.runs()) {
            MetricStatus st = run.status();
            int before = seen.getOrDefault(scope + st.name(), 0);
            for (int i = before; i < st.measurements().size(); i++) {
                measured.accept(new Measured(st.name(), st.measurements().get(i), st, a == whole));
            }
            seen.put(scope + st.name(), st.measurements().size());
        }
    }
}
