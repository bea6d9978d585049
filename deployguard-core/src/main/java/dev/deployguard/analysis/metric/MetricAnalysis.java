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
 *
 * <p>By default (not {@code compat: strict}) a Failed metric ends the run as Kayenta's judge weighs it: a
 * {@code critical} one always (Kayenta scores a canary with a failed critical metric 0: spinnaker/kayenta,
 * kayenta-judge/.../judge/scorers/WeightedSumScorer.scala, which weighs groups; a metric here is its own group), any
 * other only when the
 * run's {@link #score()} — the weight of the deciding metrics not Failed over the weight of all of them, in percent
 * — falls below {@link #PASS_SCORE}, Kayenta's default pass threshold. A metric of weight 1 among others of total
 * weight 20 or more may fail without failing the canary. Under {@code compat: strict} every deciding metric is
 * critical, as in Argo Rollouts.
 */
public final class MetricAnalysis {
    /** Kayenta's default {@code scoreThresholds.pass}: a lower score fails the canary. */
    public static final double PASS_SCORE = 95;
    // Argo's order, best to worst.
    private static final List<MetricPhase> ORDER = List.of(MetricPhase.SUCCESSFUL, MetricPhase.RUNNING,
            MetricPhase.PENDING, MetricPhase.INCONCLUSIVE, MetricPhase.ERROR, MetricPhase.FAILED);

    private final Map<String, MetricRun> runs = new LinkedHashMap<>();
    private final boolean weighted;

    /** A run with Argo's semantics exactly ({@code compat: strict}). */
    public MetricAnalysis(List<MetricDefinition> metrics, Instant startedAt) {
        this(metrics, startedAt, false);
    }

    /** @param errorsHold DeployGuard's default: Error measurements hold a metric, never end it (see {@link MetricRun}) */
    public MetricAnalysis(List<MetricDefinition> metrics, Instant startedAt, boolean errorsHold) {
        this.weighted = errorsHold;
        for (MetricDefinition m : metrics) {
            runs.put(m.name(), new MetricRun(m, startedAt, errorsHold));
        }
    }

    /** Every metric's run, in the spec's order. */
    public java.util.Collection<MetricRun> runs() {
        return java.util.Collections.unmodifiableCollection(runs.values());
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
        return runs.values().stream().anyMatch(r -> !r.metric().dryRun() && ((r.phase() == MetricPhase.FAILED
                && decisive(r)) || r.phase() == MetricPhase.ERROR || r.phase() == MetricPhase.INCONCLUSIVE));
    }

    /**
     * Whether this Failed metric fails the run: always under {@code compat: strict} (Argo) and when it is
     * {@code critical}; otherwise when the run's score is below {@link #PASS_SCORE} (Kayenta).
     */
    public boolean decisive(MetricRun failed) {
        return !weighted || failed.metric().critical() || score() < PASS_SCORE;
    }

    /**
     * Kayenta's score over this run's deciding metrics: 100 × the weight of those not Failed / the weight of all,
     * rounded half-up to two decimals as Kayenta's judge does; 100 without deciding metrics. A metric that has not
     * measured yet counts as not Failed (Kayenta leaves a metric without data out of the score instead).
     */
    public double score() {
        double all = 0;
        double failed = 0;
        for (MetricRun r : runs.values()) {
            if (!r.metric().dryRun()) {
                all += r.metric().weight();
                failed += r.phase() == MetricPhase.FAILED ? r.metric().weight() : 0;
            }
        }
        return all == 0 ? 100 : new java.math.BigDecimal(100 * (all - failed) / all)
                .setScale(2, java.math.RoundingMode.HALF_UP).doubleValue();
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
            } else if (r.metric().dryRun() || (p == MetricPhase.FAILED && !decisive(r))) {
                // recorded, outweighed: as a dry run, it does not make the run worse
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

    /**
     * Takes every measurement due at {@code now} and re-assesses: a relative metric is queried for both tracks and
     * its result is the ratio canary / stable (so {@code result < 1.2} reads "at most 20% above stable").
     *
     * @return when the next measurement is due, or null when none is (every metric done, or the run terminating)
     */
    public Instant tick(Instant now, MetricQuery query) {
        for (MetricRun r : runs.values()) {
            if (terminating()) {
                break;
            }
            Instant due = r.nextMeasurementAt();
            if (due != null && !due.isAfter(now)) {
                r.record(measure(r.metric(), now, query));
            }
        }
        return nextMeasurementAt();
    }

    /** When the next measurement is due, or null when none is (every metric done, or the run terminating). */
    public Instant nextMeasurementAt() {
        if (terminating()) {
            return null;
        }
        return runs.values().stream().map(MetricRun::nextMeasurementAt).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
    }

    private static Measurement measure(MetricDefinition m, Instant now, MetricQuery query) {
        if (!m.relative()) {
            MetricQuery.Answer a = query.query(m, null, now);
            if (a instanceof MetricQuery.Answer.Unavailable u) {
                return Measurement.error(now, m.name() + ": " + u.reason());
            }
            MetricQuery.Answer.Value v = (MetricQuery.Answer.Value) a;
            return withEvidence(m.measure(now, v.result()), v.evidence());
        }
        double[] values = new double[2];
        String[] evidence = new String[2];
        String[] tracks = {"canary", "stable"};
        for (int i = 0; i < 2; i++) {
            MetricQuery.Answer a = query.query(m, tracks[i], now);
            if (a instanceof MetricQuery.Answer.Unavailable u) {
                return Measurement.error(now, m.name() + " (" + tracks[i] + "): " + u.reason());
            }
            Object result = ((MetricQuery.Answer.Value) a).result();
            // A one-series vector is that series' value (a per-track query aggregated by track).
            if (result instanceof List<?> l && l.size() == 1) {
                result = l.get(0);
            }
            if (!(result instanceof Number n)) {
                return Measurement.error(now, m.name() + " (" + tracks[i] + "): a relative metric needs one number"
                        + " per track, the query returned " + describe(result) + "; aggregate it in the query"
                        + " (sum(...))");
            }
            values[i] = n.doubleValue();
            String e = ((MetricQuery.Answer.Value) a).evidence();
            evidence[i] = tracks[i] + " " + format(values[i]) + (e.isEmpty() ? "" : " (" + e + ")");
        }
        if (values[1] == 0) {
            return Measurement.error(now, m.name() + ": stable measured 0, so the canary / stable ratio is"
                    + " undefined (canary " + values[0] + ")");
        }
        return withEvidence(m.measureRatio(now, values[0] / values[1]), evidence[0] + ", " + evidence[1])
                .withTracks(values[0], values[1]);
    }

    private static Measurement withEvidence(Measurement m, String evidence) {
        if (evidence.isEmpty() || m.phase() == MetricPhase.ERROR) {
            return m;
        }
        return new Measurement(m.at(), m.phase(), m.value(), m.message().isEmpty() ? evidence
                : m.message() + "; " + evidence);
    }

    /** A number as people read it in a verdict: four significant digits. */
    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String describe(Object result) {
        return result instanceof List<?> l ? "a vector of " + l.size() + " values" : String.valueOf(result);
    }

    public List<MetricStatus> statuses() {
        List<MetricStatus> out = new ArrayList<>();
        runs.values().forEach(r -> out.add(r.status()));
        return out;
    }
}
