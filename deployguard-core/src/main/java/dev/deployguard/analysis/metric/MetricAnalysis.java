package dev.deployguard.analysis.metric;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one analysis run together, with Argo Rollouts' run phase: running while any metric runs, else
 * the worst phase of the metrics that decide (dry-run metrics are recorded and never decide), and terminating as
 * soon as a deciding metric ends Failed, Error or Inconclusive.
 */
public final class MetricAnalysis {
    // Argo's order, best to worst.
    private static final List<MetricPhase> ORDER = List.of(MetricPhase.SUCCESSFUL, MetricPhase.RUNNING,
            MetricPhase.PENDING, MetricPhase.INCONCLUSIVE, MetricPhase.ERROR, MetricPhase.FAILED);

    private final Map<String, MetricRun> runs = new LinkedHashMap<>();

    public MetricAnalysis(List<MetricDefinition> metrics, Instant startedAt) {
        for (MetricDefinition m : metrics) {
            runs.put(m.name(), new MetricRun(m, startedAt));
        }
    }

    public MetricRun run(String metric) {
        MetricRun r = runs.get(metric);
        if (r == null) {
            throw new IllegalArgumentException("no metric " + metric + "; the analysis has " + runs.keySet());
        }
        return r;
    }

    /** Whether a deciding metric has ended badly, so no further measurements are taken. */
    public boolean terminating() {
        return runs.values().stream().anyMatch(r -> !r.metric().dryRun() && (r.phase() == MetricPhase.FAILED
                || r.phase() == MetricPhase.ERROR || r.phase() == MetricPhase.INCONCLUSIVE));
    }

    /** The run's phase now. */
    public MetricPhase phase() {
        boolean terminating = terminating();
        MetricPhase worst = null;
        boolean everythingCompleted = true;
        for (MetricRun r : runs.values()) {
            MetricPhase p = r.assess(terminating);
            if (!p.completed()) {
                everythingCompleted = false;
            } else if (r.metric().dryRun()) {
                worst = worst == null ? MetricPhase.SUCCESSFUL : worst;
            } else if (worst == null || ORDER.indexOf(p) > ORDER.indexOf(worst)) {
                worst = p;
            }
        }
        if (terminating) {
            return worst == null ? MetricPhase.SUCCESSFUL : worst;
        }
        return !everythingCompleted || worst == null ? MetricPhase.RUNNING : worst;
    }

    public List<MetricStatus> statuses() {
        List<MetricStatus> out = new ArrayList<>();
        runs.values().forEach(r -> out.add(r.status()));
        return out;
    }
}
