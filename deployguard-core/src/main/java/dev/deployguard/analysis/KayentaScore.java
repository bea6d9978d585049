package dev.deployguard.analysis;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kayenta's WeightedSumScorer and ThresholdScoreClassifier (kayenta-judge scorers/, classifiers/score/): muted
 * metrics are left out; a critical metric that did not pass, or half or more metrics without data, score 0;
 * otherwise each group scores 100 × passed / (passed + high + low + nodata-fail), a group with none of those
 * counts as 100, groups are weighted (unweighted groups share what the weights leave of 100 equally) and the sum is
 * rounded half-up to two decimals. The label is Pass at or above pass, Marginal at or above marginal, else Fail.
 *
 * @param score the summary score
 * @param label Kayenta's classification of the score
 * @param reason why the score is 0 outside the weighted sum, or null
 * @param groupScores each group's score (0 for a group without data, as Kayenta reports it)
 */
public record KayentaScore(double score, Label label, String reason, Map<String, Double> groupScores) {
    /** Kayenta's score classification. */
    public enum Label { PASS, MARGINAL, FAIL }

    /** Kayenta's NODATA_THRESHOLD, in percent of the (unmuted) metrics. */
    static final double NODATA_THRESHOLD = 50;

    /** One metric's outcome as the scorer sees it. */
    public record MetricResult(String name, MannWhitneyJudge.Label classification, boolean critical, boolean muted,
                               List<String> groups) {
        public MetricResult {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(classification, "classification");
            groups = List.copyOf(groups);
        }
    }

    public KayentaScore {
        groupScores = Map.copyOf(groupScores);
    }

    public static KayentaScore of(List<MetricResult> results, Map<String, Double> groupWeights, double pass,
                                  double marginal) {
        List<MetricResult> scored = results.stream().filter(r -> !r.muted()).toList();
        Map<String, int[]> groups = new LinkedHashMap<>();
        for (MetricResult r : scored) {
            for (String group : r.groups()) {
                int[] counts = groups.computeIfAbsent(group, g -> new int[2]);
                switch (r.classification()) {
                    case PASS -> {
                        counts[0]++;
                        counts[1]++;
                    }
                    case HIGH, LOW, NODATA_FAIL -> counts[1]++;
                    default -> { }
                }
            }
        }
        Map<String, Double> groupScores = new LinkedHashMap<>();
        groups.forEach((g, c) -> groupScores.put(g, c[1] == 0 ? 0.0 : 100.0 * c[0] / c[1]));

        MetricResult critical = scored.stream()
                .filter(r -> r.critical() && r.classification() != MannWhitneyJudge.Label.PASS).findFirst()
                .orElse(null);
        long noData = scored.stream().filter(r -> r.classification() == MannWhitneyJudge.Label.NODATA).count();
        double score;
        String reason = null;
        if (critical != null) {
            score = 0;
            reason = "critical metric " + critical.name() + " was classified " + critical.classification();
        } else if (!scored.isEmpty() && 100.0 * noData / scored.size() >= NODATA_THRESHOLD) {
            score = 0;
            reason = "50% or more metrics returned NODATA";
        } else {
            Set<String> unweighted = new TreeSet<>(groups.keySet());
            unweighted.removeAll(groupWeights.keySet());
            double weightSum = groupWeights.values().stream().mapToDouble(Double::doubleValue).sum();
            double share = unweighted.isEmpty() ? 0 : (100 - weightSum) / unweighted.size();
            double sum = 0;
            for (Map.Entry<String, int[]> group : groups.entrySet()) {
                double effective = group.getValue()[1] == 0 ? 100 : groupScores.get(group.getKey());
                sum += effective * (groupWeights.getOrDefault(group.getKey(), share) / 100);
            }
            score = roundHalfUp(sum);
        }
        return new KayentaScore(score, label(score, pass, marginal), reason, groupScores);
    }

    /** Kayenta's ThresholdScoreClassifier. */
    public static Label label(double score, double pass, double marginal) {
        return score >= pass ? Label.PASS : score >= marginal ? Label.MARGINAL : Label.FAIL;
    }

    /** commons-math Precision.round(x, 2): half-up on the decimal representation, as Kayenta rounds. */
    public static double roundHalfUp(double score) {
        return new BigDecimal(Double.toString(score)).setScale(2, RoundingMode.HALF_UP).doubleValue();
    }
}
