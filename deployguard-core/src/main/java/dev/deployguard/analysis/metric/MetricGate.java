package dev.deployguard.analysis.metric;

import dev.deployguard.analysis.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * What a rollout's custom metrics say to the rollout engine besides its judge: no objection, hold (an analysis step
 * may not pass yet), or FAIL (roll back), with one sentence naming the metric, its value and its bound.
 *
 * <p>Deciding metrics only (dry-run ones are recorded, never decide). Failed rolls back when it decides the run
 * ({@link MetricAnalysis#decisive}: critical, strict, or a score below the pass threshold); an outweighed Failed
 * metric neither rolls back nor holds. Inconclusive beyond its
 * limit rolls back by default and holds under {@code compat: strict} (Argo Rollouts pauses an Inconclusive run).
 * Error beyond {@code consecutiveErrorLimit} rolls back only under {@code compat: strict} (Argo aborts on an Error
 * run); by default an Error measurement holds and is retried (see {@link MetricRun}).
 */
public final class MetricGate {
    private MetricGate() {
    }

    /** The gate's answer: {@code verdict} null for no objection, INCONCLUSIVE to hold, FAIL to roll back. */
    public record Outcome(Verdict verdict, String sentence) {
        public static final Outcome NONE = new Outcome(null, "");
    }

    /**
     * @param analyses the metric runs in force (the rollout's background metrics, the current step's)
     * @param strict {@code compat: strict}
     * @param gating whether the current step waits for its metrics (an analysis step): then a metric still measuring
     *               toward its {@code count}, or whose latest measurement did not succeed, holds the step
     */
    public static Outcome assess(List<MetricAnalysis> analyses, boolean strict, boolean gating) {
        Outcome hold = Outcome.NONE;
        for (MetricAnalysis a : analyses) {
            a.phase(); // re-assess every metric (a terminating run ends the others' measurements)
            for (MetricRun r : a.runs()) {
                if (r.metric().dryRun()) {
                    continue;
                }
                MetricPhase p = r.phase();
                boolean fails = (p == MetricPhase.FAILED && a.decisive(r))
                        || (p == MetricPhase.INCONCLUSIVE && !strict) || (p == MetricPhase.ERROR && strict);
                if (fails) {
                    return new Outcome(Verdict.FAIL, sentence(r) + weighing(a, r, strict));
                }
                if (p == MetricPhase.FAILED) {
                    continue; // outweighed: the others' weight keeps the score at the pass threshold or above
                }
                if (hold.verdict() != null) {
                    continue;
                }
                if (p == MetricPhase.INCONCLUSIVE || p == MetricPhase.ERROR) {
                    hold = new Outcome(Verdict.INCONCLUSIVE, "metric " + r.metric().name() + " is " + p + ": "
                            + r.status().message() + "; the step holds");
                } else if (r.holding()) {
                    hold = new Outcome(Verdict.INCONCLUSIVE, "metric " + r.metric().name() + " holds: "
                            + r.last().map(Measurement::message).orElse(""));
                } else if (gating && !p.completed() && !passable(r)) {
                    hold = new Outcome(Verdict.INCONCLUSIVE, "metric " + r.metric().name() + " is still measuring ("
                            + r.status().count() + (r.metric().effectiveCount() == null ? ""
                            : " of " + r.metric().effectiveCount()) + " measurements)");
                }
            }
        }
        return hold;
    }

    /** Why a Failed metric decided: it is critical, or the score it left is below the pass threshold. */
    private static String weighing(MetricAnalysis a, MetricRun r, boolean strict) {
        long deciding = a.runs().stream().filter(x -> !x.metric().dryRun()).count();
        if (r.phase() != MetricPhase.FAILED || strict || (deciding == 1 && !r.metric().critical())) {
            return ""; // Argo's decision, or a metric alone: its failure is the whole score
        }
        return r.metric().critical() ? " (critical: it fails the canary whatever the other metrics say)"
                : String.format(java.util.Locale.ROOT, " (metric score %s < %s with the failed metrics' weight out)",
                        MetricAnalysis.format(a.score()), MetricAnalysis.format(MetricAnalysis.PASS_SCORE));
    }

    // A metric that measures as long as the analysis runs lets its step pass once its latest measurement succeeded.
    private static boolean passable(MetricRun r) {
        return r.metric().effectiveCount() == null
                && r.last().map(m -> m.phase() == MetricPhase.SUCCESSFUL).orElse(false);
    }

    /** "metric cpu (canary / stable) failed: 3.9 (canary ..., stable ...) met failureCondition 'result > 2'; why". */
    static String sentence(MetricRun r) {
        MetricDefinition m = r.metric();
        MetricStatus s = r.status();
        Optional<Measurement> decisive = s.measurements().stream()
                .filter(x -> x.phase() == r.phase()).reduce((a, b) -> b).or(r::last);
        StringBuilder out = new StringBuilder("metric ").append(m.name());
        if (m.provider() instanceof Provider.Router router) {
            out.append(" (").append(router.measure()).append(")");
        }
        out.append(' ').append(r.phase().name().toLowerCase(java.util.Locale.ROOT)).append(": ");
        decisive.ifPresent(x -> {
            out.append(m.relative() ? "canary / stable ratio " : "value ").append(show(x.value()));
            if (!x.message().isEmpty()) {
                out.append(" (").append(x.message()).append(")");
            }
            out.append(", ");
        });
        out.append(bound(m)).append("; ").append(s.message());
        return out.toString();
    }

    private static String bound(MetricDefinition m) {
        if (m.failureCondition() != null && m.successCondition() != null) {
            return "bounds: failureCondition '" + m.failureCondition() + "', successCondition '"
                    + m.successCondition() + "'";
        } else if (m.failureCondition() != null) {
            return "bound: failureCondition '" + m.failureCondition() + "'";
        } else if (m.successCondition() != null) {
            return "bound: successCondition '" + m.successCondition() + "'";
        }
        return "no condition";
    }

    private static String show(Object value) {
        return value instanceof Number n ? MetricAnalysis.format(n.doubleValue()) : String.valueOf(value);
    }
}
