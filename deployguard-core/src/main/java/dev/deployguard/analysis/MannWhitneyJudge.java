package dev.deployguard.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kayenta's NetflixACAJudge semantics: the windows are cut into steps (one value per track and metric per step);
 * every analysis interval each metric's canary series is compared with the baseline's by a Mann-Whitney interval
 * for the shift (with a tolerance of a fraction of the Hodges-Lehmann estimate, a direction and an effect size),
 * the classifications become a weighted score, and the score is judged: at or below marginal fails at once, the
 * last judgement of the lifetime passes at or above pass.
 *
 * <p>Besides the router's windows (error rate, latency) the judge classifies custom metrics as Kayenta classifies
 * every metric of its canary config: a relative metric's measurements ({@link #observeMetric}: the canary's and
 * stable's value each time its provider is asked) form its canary and baseline series, classified by the same rank
 * test, with its direction, weight (group), {@code critical} and muting (a dry run).
 *
 * <p>Only a FAIL is final. A rollout can outlive the lifetime (later steps, the bake after promotion), so after it
 * the judge keeps judging every interval with the final rule (pass at or above pass, else fail): a canary that
 * degrades after its first good lifetime is still rolled back.
 *
 * <p>One deliberate departure: when half or more of the metrics have no data, Kayenta scores 0 (a failure); this
 * judge answers INCONCLUSIVE, because too little evidence is not evidence of a bad canary. Steps with a metric
 * source error count as no data.
 */
public final class MannWhitneyJudge implements Judge {
    public static final String NAME = "mannWhitney";

    /** Kayenta's metric classifications. */
    public enum Label { PASS, HIGH, LOW, NODATA, NODATA_FAIL, ERROR }

    /** Seed of the noise added to single-valued sides, so a judgement is reproducible. */
    static final long NOISE_SEED = 12345;

    record Classification(Label label, boolean critical, double effect, String reason) {
    }

    private record Step(Instant start, TrackWindow stable, TrackWindow canary, boolean missing) {
    }

    private final MannWhitneyConfig config;
    private final List<Step> steps = new ArrayList<>();
    /** The custom metrics' measurements ({@link MannWhitneyMetric.Measure#PROVIDED}), by metric, in time order. */
    private final Map<String, List<MetricSample>> samples = new LinkedHashMap<>();
    private final java.util.Random noise = new java.util.Random(NOISE_SEED);
    private Instant from;
    private Instant start;
    private Instant lastJudgedAt;
    private Instant to;
    private Judgement judged;
    private Instant stepStart;
    private TrackWindow stepStable = TrackWindow.NONE;
    private TrackWindow stepCanary = TrackWindow.NONE;
    private boolean stepMissing;
    private int judgements;
    private List<Evidence> lastEvidence = List.of();
    private String lastReason = "no judgement yet";
    private Judgement terminal;

    MannWhitneyJudge(MannWhitneyConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict update(WindowObservation window) {
        to = window.end();
        if (terminal != null) {
            return terminal.verdict();
        }
        if (from == null) {
            from = window.start();
            start = from.plus(config.warmup());
        }
        if (!window.end().isAfter(start)) {
            // Kayenta's warm-up (beginCanaryAnalysisAfterMins): nothing before it is measured.
            judged = null;
            return Verdict.INCONCLUSIVE;
        }
        if (stepStart == null) {
            stepStart = window.start().isBefore(start) ? start : window.start();
        }
        if (window.isMissing()) {
            stepMissing = true;
        } else {
            stepStable = stepStable.plus(window.stable());
            stepCanary = stepCanary.plus(window.canary());
        }
        if (!window.end().isBefore(stepStart.plus(config.step()))) {
            steps.add(new Step(stepStart, stepStable, stepCanary, stepMissing));
            stepStart = window.end();
            stepStable = TrackWindow.NONE;
            stepCanary = TrackWindow.NONE;
            stepMissing = false;
        }
        if (window.end().isBefore(nextJudgement())) {
            judged = null;
            return Verdict.INCONCLUSIVE;
        }
        judged = judge(window.end());
        return judged.verdict();
    }

    /**
     * Keeps a custom metric's measurement for the judgements to come: each one is a point of the metric's canary and
     * baseline series, as each step's value of a Kayenta metric is. Samples of metrics the config does not list are
     * ignored; so is anything after a FAIL (final).
     */
    @Override
    public void observeMetric(MetricSample sample) {
        if (terminal == null && config.metrics().stream().anyMatch(m -> m.name().equals(sample.metric())
                && m.measure() == MannWhitneyMetric.Measure.PROVIDED)) {
            samples.computeIfAbsent(sample.metric(), k -> new ArrayList<>()).add(sample);
        }
    }

    @Override
    public Judgement judgement() {
        if (from == null) {
            throw new IllegalStateException("no window observed yet");
        }
        if (terminal != null) {
            return new Judgement(NAME, terminal.verdict(), from, to, terminal.evidence(), terminal.reason());
        }
        if (judged != null) {
            return judged;
        }
        return new Judgement(NAME, Verdict.INCONCLUSIVE, from, to, lastEvidence, String.format(
                "next judgement at %ds; %s", Duration.between(from, nextJudgement()).toSeconds(), lastReason));
    }

    /**
     * Every analysis interval after the warm-up; the lifetime's end is always a judgement time (Kayenta's windows
     * stay inside the lifetime, the last one is cut at its end). After the lifetime every interval again.
     */
    private Instant nextJudgement() {
        Instant end = start.plus(config.lifetime());
        Instant next = (lastJudgedAt == null ? start : lastJudgedAt).plus(config.analysisInterval());
        if (next.isAfter(end) && (lastJudgedAt == null || lastJudgedAt.isBefore(end))) {
            return end;
        }
        return next;
    }

    private Judgement judge(Instant to) {
        judgements++;
        lastJudgedAt = nextJudgement();
        boolean last = !to.isBefore(start.plus(config.lifetime()));
        Instant windowFrom = config.lookback().isZero() ? start : to.minus(config.lookback());
        List<Step> inScope = steps.stream().filter(s -> !s.start().isBefore(windowFrom)).toList();

        Map<MannWhitneyMetric, Classification> results = new LinkedHashMap<>();
        List<Evidence> evidence = new ArrayList<>();
        for (MannWhitneyMetric metric : config.metrics()) {
            Instant since = windowFrom.isBefore(start) ? start : windowFrom;
            double[] canary = metric.measure() == MannWhitneyMetric.Measure.PROVIDED
                    ? provided(metric, since, to, true) : series(inScope, metric, true);
            double[] baseline = metric.measure() == MannWhitneyMetric.Measure.PROVIDED
                    ? provided(metric, since, to, false) : series(inScope, metric, false);
            Classification c = classify(metric, baseline, canary);
            results.put(metric, c);
            evidence.add(new Evidence(metric.name(), c.label() == Label.PASS ? Verdict.PASS
                    : c.label() == Label.NODATA || c.label() == Label.ERROR ? Verdict.INCONCLUSIVE : Verdict.FAIL,
                    c.effect(), metric.effectSize().allowedIncrease(), Double.NaN, canary.length, baseline.length,
                    metric.preprocessing().muted() ? c.reason() + " (muted: not scored)" : c.reason()));
        }
        long noData = results.entrySet().stream().filter(e -> !e.getKey().preprocessing().muted()
                && e.getValue().label() == Label.NODATA).count();
        long scored = results.keySet().stream().filter(m -> !m.preprocessing().muted()).count();
        boolean hold = !config.strict() && scored > 0 && 100.0 * noData / scored >= KayentaScore.NODATA_THRESHOLD;
        List<KayentaScore.MetricResult> forScore = new ArrayList<>();
        // Outside compat: strict a metric without data never counts as a critical failure: it holds instead.
        results.forEach((m, c) -> forScore.add(new KayentaScore.MetricResult(m.name(), c.label(),
                c.critical() && (config.strict() || c.label() != Label.NODATA), m.preprocessing().muted(),
                m.groups())));
        KayentaScore kayenta = KayentaScore.of(forScore, config.groupWeights(), config.passScore(),
                config.marginalScore());
        String critical = forScore.stream().filter(r -> r.critical() && !r.muted() && r.classification() != Label.PASS)
                .map(KayentaScore.MetricResult::name).findFirst().orElse(null);
        double score = kayenta.score();
        String scoreText = String.format("judgement %d at %ds over %d steps: score %.2f, %s (pass %.0f, marginal %.0f)",
                judgements, Duration.between(from, to).toSeconds(), inScope.size(), score,
                kayentaLabel(kayenta.label()), config.passScore(), config.marginalScore());

        // The metrics that cost the score, each with its estimate: a FAIL names what failed, not just the score.
        String failing = results.entrySet().stream().filter(e -> !e.getKey().preprocessing().muted()
                        && (e.getValue().label() == Label.HIGH || e.getValue().label() == Label.LOW
                        || e.getValue().label() == Label.NODATA_FAIL))
                .map(e -> failingText(e.getKey(), e.getValue())).reduce((a, b) -> a + ", " + b).orElse("");
        Verdict verdict;
        String reason;
        if (critical != null) {
            verdict = Verdict.FAIL;
            reason = scoreText + "; critical metric " + critical + " failed"
                    + (failing.isEmpty() ? "" : ": " + failing);
        } else if (hold) {
            verdict = Verdict.INCONCLUSIVE;
            reason = scoreText + String.format("; %d of %d metrics without data: holding", noData, results.size());
        } else if (score <= config.marginalScore()) {
            verdict = Verdict.FAIL;
            reason = scoreText + (kayenta.reason() != null ? "; " + kayenta.reason() : "; at or below marginal")
                    + (failing.isEmpty() ? "" : "; not passing: " + failing);
        } else if (last) {
            verdict = score >= config.passScore() ? Verdict.PASS : Verdict.FAIL;
            reason = scoreText + (verdict == Verdict.PASS ? "; final score passes" : "; final score below pass")
                    + (failing.isEmpty() ? "" : "; not passing: " + failing);
        } else {
            verdict = Verdict.INCONCLUSIVE;
            reason = scoreText + "; above marginal, continuing";
        }
        lastEvidence = evidence;
        lastReason = reason;
        Judgement judgement = new Judgement(NAME, verdict, from, to, evidence, reason);
        if (verdict == Verdict.FAIL) {
            terminal = judgement;
        }
        return judgement;
    }

    /** "cpu high (effect size 4.02)": the metric, its classification and its effect size (the mean ratio). */
    private static String failingText(MannWhitneyMetric metric, Classification c) {
        String label = c.label().name().toLowerCase(java.util.Locale.ROOT);
        return c.label() == Label.NODATA_FAIL ? metric.name() + " " + label
                : String.format(java.util.Locale.ROOT, "%s %s (effect size %.4g)", metric.name(), label, c.effect());
    }

    private static String kayentaLabel(KayentaScore.Label label) {
        return switch (label) {
            case PASS -> "Pass";
            case MARGINAL -> "Marginal";
            case FAIL -> "Fail";
        };
    }

    /** The step values of one track, NaN where a step had no value; steps with a source error are left out. */
    private static double[] series(List<Step> steps, MannWhitneyMetric metric, boolean canary) {
        return steps.stream().filter(s -> !s.missing())
                .mapToDouble(s -> metric.measure().of(canary ? s.canary() : s.stable())).toArray();
    }

    /**
     * A custom metric's values of one track measured within [{@code since}, {@code to}] (the judgement's scope, after
     * the warm-up), one per measurement; NaN where the provider had none (the metric's NaN strategy applies).
     */
    private double[] provided(MannWhitneyMetric metric, Instant since, Instant to, boolean canary) {
        return samples.getOrDefault(metric.name(), List.of()).stream()
                .filter(x -> !x.at().isBefore(since) && !x.at().isAfter(to))
                .mapToDouble(x -> canary ? x.canary() : x.stable()).toArray();
    }

    /** Kayenta's transformMetric: NaN strategy first, then outlier removal when asked. */
    private static double[] preprocess(double[] raw, MannWhitneyMetric.Preprocessing p) {
        double[] values = KayentaTransforms.handleNaNs(raw, p.nanStrategy());
        return p.removeOutliers() ? KayentaTransforms.removeOutliers(values, p.outlierFactor(), true) : values;
    }

    /** Kayenta's MannWhitneyClassifier.classify. */
    Classification classify(MannWhitneyMetric metric, double[] rawBaseline, double[] rawCanary) {
        double[] baseline = preprocess(rawBaseline, metric.preprocessing());
        double[] canary = preprocess(rawCanary, metric.preprocessing());
        if (canary.length == 0 || baseline.length == 0) {
            if (metric.preprocessing().nanStrategy() == KayentaTransforms.NanStrategy.REPLACE) {
                return new Classification(Label.PASS, false, 1.0, metric.name() + ": no data, passes under"
                        + " nanStrategy replace");
            }
            String reason = "no data for " + metric.name();
            if (metric.mustHaveData() && !metric.critical()) {
                return new Classification(Label.NODATA_FAIL, false, Double.NaN, reason + " (must have data)");
            }
            return new Classification(Label.NODATA, metric.critical(), Double.NaN, reason);
        }
        double[] sortedCanary = canary.clone();
        double[] sortedBaseline = baseline.clone();
        Arrays.sort(sortedCanary);
        Arrays.sort(sortedBaseline);
        if (Arrays.equals(sortedCanary, sortedBaseline)) {
            return new Classification(Label.PASS, false, 1.0, metric.name() + ": canary and baseline data identical");
        }
        if (sortedCanary[0] == sortedCanary[canary.length - 1] && sortedBaseline[0] == sortedBaseline[baseline.length - 1]
                && sortedCanary[0] == sortedBaseline[0]) {
            return new Classification(Label.PASS, false, 1.0, metric.name() + ": all values equal");
        }
        if (KayentaTransforms.needsNoise(canary, baseline)) {
            // Kayenta breaks the all-tied ranks with noise of 1e-5 of each side's value.
            canary = KayentaTransforms.addNoise(canary, noise);
            baseline = KayentaTransforms.addNoise(baseline, noise);
        }
        RankSumInterval.Result mw;
        try {
            mw = RankSumInterval.of(canary, baseline, config.confidenceLevel());
        } catch (IllegalArgumentException e) {
            // Kayenta never marks an ERROR critical: a classification failure is not evidence against the canary.
            return new Classification(Label.ERROR, false, Double.NaN,
                    metric.name() + ": classification failed: " + e.getMessage());
        }
        double effect = effectSize(metric.effectSize().measure(), baseline, canary);
        double critical = config.tolerance() * Math.abs(mw.estimate());
        MetricDirection direction = metric.direction();
        boolean high = direction != MetricDirection.DECREASE && mw.lower() > critical
                && (Double.isNaN(effect) || effect >= metric.effectSize().allowedIncrease());
        boolean low = direction != MetricDirection.INCREASE && mw.upper() < -critical
                && (Double.isNaN(effect) || effect <= metric.effectSize().allowedDecrease());
        Label label = high ? Label.HIGH : low ? Label.LOW : Label.PASS;
        boolean criticalFailure = metric.critical()
                && ((high && (Double.isNaN(effect) || effect >= metric.effectSize().criticalIncrease()))
                || (low && (Double.isNaN(effect) || effect <= metric.effectSize().criticalDecrease())));
        // Kayenta reports the mean ratio (its "deviation") whatever measure decides; NaN when a mean is 0.
        double ratio = effectSize(MannWhitneyMetric.EffectMeasure.MEAN_RATIO, baseline, canary);
        String reason = String.format("%s: %s; canary − baseline shift %.4g, %.0f%% interval [%.4g, %.4g] vs ±%.4g;"
                        + " effect size %.4f, mean ratio %.4f (%d canary, %d baseline steps)", metric.name(),
                label.name().toLowerCase(), mw.estimate(), 100 * config.confidenceLevel(), mw.lower(), mw.upper(),
                critical, effect, ratio, canary.length, baseline.length);
        return new Classification(label, criticalFailure, effect, reason);
    }

    static double effectSize(MannWhitneyMetric.EffectMeasure measure, double[] baseline, double[] canary) {
        if (measure == MannWhitneyMetric.EffectMeasure.CLES) {
            double higher = 0;
            for (double c : canary) {
                for (double b : baseline) {
                    higher += c > b ? 1 : c == b ? 0.5 : 0;
                }
            }
            return higher / ((double) canary.length * baseline.length);
        }
        double canaryMean = Arrays.stream(canary).average().orElse(Double.NaN);
        double baselineMean = Arrays.stream(baseline).average().orElse(Double.NaN);
        return canaryMean == 0 || baselineMean == 0 ? Double.NaN : canaryMean / baselineMean;
    }
}
