package dev.deployguard.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kayenta's NetflixACAJudge semantics: the windows are cut into steps (one value per track and metric per step);
 * every analysis interval each metric's canary series is compared with the baseline's by a Mann-Whitney interval
 * for the shift (with a tolerance of a fraction of the Hodges-Lehmann estimate, a direction and an effect size),
 * the classifications become a weighted score, and the score is judged: at or below marginal fails at once, the
 * last judgement of the lifetime passes at or above pass.
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
    private static final double NODATA_SHARE = 0.5;

    /** Kayenta's metric classifications. */
    enum Label { PASS, HIGH, LOW, NODATA, NODATA_FAIL, ERROR }

    private record Classification(Label label, boolean critical, double effect, String reason) {
    }

    private record Step(Instant start, TrackWindow stable, TrackWindow canary, boolean missing) {
    }

    private final MannWhitneyConfig config;
    private final List<Step> steps = new ArrayList<>();
    private Instant from;
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
            stepStart = window.start();
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

    private Instant nextJudgement() {
        return from.plus(config.analysisInterval().multipliedBy(judgements + 1L));
    }

    private Judgement judge(Instant to) {
        judgements++;
        boolean last = !to.isBefore(from.plus(config.lifetime()));
        Instant windowFrom = config.lookback().isZero() ? from : to.minus(config.lookback());
        List<Step> inScope = steps.stream().filter(s -> !s.start().isBefore(windowFrom)).toList();

        Map<MannWhitneyMetric, Classification> results = new LinkedHashMap<>();
        List<Evidence> evidence = new ArrayList<>();
        for (MannWhitneyMetric metric : config.metrics()) {
            double[] canary = series(inScope, metric, true);
            double[] baseline = series(inScope, metric, false);
            Classification c = classify(metric, baseline, canary);
            results.put(metric, c);
            evidence.add(new Evidence(metric.name(), c.label() == Label.PASS ? Verdict.PASS
                    : c.label() == Label.NODATA || c.label() == Label.ERROR ? Verdict.INCONCLUSIVE : Verdict.FAIL,
                    c.effect(), metric.effectSize().allowedIncrease(), Double.NaN, canary.length, baseline.length,
                    c.reason()));
        }
        long noData = results.values().stream().filter(c -> c.label() == Label.NODATA).count();
        String critical = results.entrySet().stream().filter(e -> e.getValue().critical()
                        && e.getValue().label() != Label.PASS).map(e -> e.getKey().name()).findFirst().orElse(null);
        double score = critical != null ? 0 : score(results);
        String scoreText = String.format("judgement %d at %ds over %d steps: score %.2f (pass %.0f, marginal %.0f)",
                judgements, Duration.between(from, to).toSeconds(), inScope.size(), score, config.passScore(),
                config.marginalScore());

        Verdict verdict;
        String reason;
        if (critical != null) {
            verdict = Verdict.FAIL;
            reason = scoreText + "; critical metric " + critical + " failed";
        } else if (noData >= NODATA_SHARE * results.size()) {
            verdict = Verdict.INCONCLUSIVE;
            reason = scoreText + String.format("; %d of %d metrics without data: holding", noData, results.size());
        } else if (score <= config.marginalScore()) {
            verdict = Verdict.FAIL;
            reason = scoreText + "; at or below marginal";
        } else if (last) {
            verdict = score >= config.passScore() ? Verdict.PASS : Verdict.FAIL;
            reason = scoreText + (verdict == Verdict.PASS ? "; final score passes" : "; final score below pass");
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

    private static double[] series(List<Step> steps, MannWhitneyMetric metric, boolean canary) {
        return steps.stream().filter(s -> !s.missing())
                .mapToDouble(s -> metric.measure().of(canary ? s.canary() : s.stable()))
                .filter(v -> !Double.isNaN(v)).toArray();
    }

    /** Kayenta's MannWhitneyClassifier.classify. */
    private Classification classify(MannWhitneyMetric metric, double[] baseline, double[] canary) {
        if (canary.length == 0 || baseline.length == 0) {
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
        RankSumInterval.Result mw;
        try {
            mw = RankSumInterval.of(canary, baseline, config.confidenceLevel());
        } catch (IllegalArgumentException e) {
            return new Classification(Label.ERROR, metric.critical(), Double.NaN,
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
        String reason = String.format("%s: %s; canary − baseline shift %.4g, %.0f%% interval [%.4g, %.4g] vs ±%.4g;"
                        + " effect size %.4f (%d canary, %d baseline steps)", metric.name(), label.name().toLowerCase(),
                mw.estimate(), 100 * config.confidenceLevel(), mw.lower(), mw.upper(), critical, effect, canary.length,
                baseline.length);
        return new Classification(label, criticalFailure, effect, reason);
    }

    private static double effectSize(MannWhitneyMetric.EffectMeasure measure, double[] baseline, double[] canary) {
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

    /** Kayenta's WeightedSumScorer: per group, 100 × passed / classified; groups weighted; rounded to 0.01. */
    private double score(Map<MannWhitneyMetric, Classification> results) {
        Map<String, int[]> groups = new LinkedHashMap<>();
        results.forEach((metric, c) -> {
            for (String group : metric.groups()) {
                int[] counts = groups.computeIfAbsent(group, g -> new int[2]);
                switch (c.label()) {
                    case PASS -> {
                        counts[0]++;
                        counts[1]++;
                    }
                    case HIGH, LOW, NODATA_FAIL -> counts[1]++;
                    default -> { }
                }
            }
        });
        Set<String> unweighted = new TreeSet<>(groups.keySet());
        unweighted.removeAll(config.groupWeights().keySet());
        double weightSum = config.groupWeights().values().stream().mapToDouble(Double::doubleValue).sum();
        double share = unweighted.isEmpty() ? 0 : (100 - weightSum) / unweighted.size();
        double score = 0;
        for (Map.Entry<String, int[]> group : groups.entrySet()) {
            int[] counts = group.getValue();
            double groupScore = counts[1] == 0 ? 100 : 100.0 * counts[0] / counts[1];
            score += groupScore * config.groupWeights().getOrDefault(group.getKey(), share) / 100;
        }
        return Math.round(score * 100) / 100.0;
    }
}
