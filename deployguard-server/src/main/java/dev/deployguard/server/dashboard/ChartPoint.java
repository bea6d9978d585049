package dev.deployguard.server.dashboard;

import dev.deployguard.analysis.Evidence;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.server.deploy.AnalysisWindow;
import java.util.ArrayList;
import java.util.List;

/**
 * One analysis look as the rollout page charts it. Rates and means are NaN-free for JSON: a track without requests
 * in the window has null there (a gap in the chart), never 0.
 *
 * @param t end of the window, epoch milliseconds
 * @param weight the canary's configured weight in basis points
 * @param rollbackAt 1/alpha for a judge with an e-value, else null
 * @param eValue the judge's combined e-value, or null
 * @param why one sentence saying why the verdict is what it is
 * @param metrics one entry per metric of the judgement (errors, latency, custom metrics)
 */
record ChartPoint(long t, int weight, double canaryShare, Track stable, Track canary, String verdict,
                  Double eValue, Double rollbackAt, String why, List<Metric> metrics) {

    /** One track's traffic in the window. */
    record Track(long requests, long errors, Double errorRate, Double latencyMillis) {
        static Track of(TrackWindow w) {
            return new Track(w.requests(), w.errors(), finite(w.errorRate()), finite(w.meanLatencyMillis()));
        }
    }

    /** One metric's evidence: value against its bound, the confidence bounds, e-value and sample counts. */
    record Metric(String name, String verdict, Double value, Double bound, Double lower, Double upper, Double eValue,
                  long canarySamples, long stableSamples, String reason) {
        static Metric of(Evidence e) {
            return new Metric(e.metric(), e.verdict().name(), finite(e.value()), finite(e.bound()),
                    finite(e.lowerBound()), bounded(e.upperBound()), finite(e.eValue()), e.canarySamples(),
                    e.stableSamples(), e.reason());
        }
    }

    static ChartPoint of(AnalysisWindow w) {
        Judgement j = w.judgement();
        List<Metric> metrics = new ArrayList<>();
        j.evidence().forEach(e -> metrics.add(Metric.of(e)));
        Double e = finite(j.eValue());
        Double rollbackAt = e == null ? null : 1 / w.spec().alpha();
        return new ChartPoint(w.window().end().toEpochMilli(), w.rollout().weight(), w.window().canaryShare(),
                Track.of(w.window().stable()), Track.of(w.window().canary()), j.verdict().name(), e, rollbackAt,
                Why.of(j, w.spec(), w.window()), List.copyOf(metrics));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** An unbounded upper confidence bound is shown as "no bound yet": a very large number keeps it on the chart. */
    private static Double bounded(double v) {
        return Double.isNaN(v) ? null : Double.isInfinite(v) ? Double.valueOf(1e9) : Double.valueOf(v);
    }
}
