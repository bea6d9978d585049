package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kayenta conformance: the metric classifier, the preprocessing, the scorer, its rounding and the score label as
 * spinnaker/kayenta's kayenta-judge computes them. Each case names the file of spinnaker/kayenta at {@link #COMMIT}
 * it comes from: the classifier cases are the data and expectations of its ClassifierSuite (read from
 * {@code conformance/kayenta-classifier.txt}); the others are from its Transform, Detector and Scorer suites or,
 * where no test of Kayenta covers a rule, from the source file that states it.
 */
class KayentaConformanceTest {
    static final String REPOSITORY = "spinnaker/kayenta";
    static final String COMMIT = "a69573be9d8fededacf80817e4151a2c8df41276";
    private static final String JUDGE = "kayenta-judge/src/main/scala/com/netflix/kayenta/judge/";
    private static final String TESTS = "kayenta-judge/src/test/scala/com/netflix/kayenta/judge/";
    private static final Duration MINUTE = Duration.ofMinutes(1);
    /** The data of StatisticSuite's "Summary Statistics: Percentile Estimate (Linear Interpolation)". */
    private static final String LINEAR = "0.07142857142857144 0.02083333333333332 0.16666666666666666"
            + " 0.03448275862068966 0.038461538461538464 0.03225806451612904 0.027777777777777773 0.0"
            + " 0.23076923076923078 0.10344827586206898 0.04545454545454542 0.0 0.028571428571428564 0.0 0.0 0.04 0.0"
            + " 0.0 0.05128205128205127 0.10714285714285716 0.0263157894736842 0.04166666666666667 0.09523809523809522"
            + " 0.02941176470588235 0.024999999999999984 0.0 0.0 0.023809523809523794 0.0 0.02564102564102563 0.0 0.0"
            + " 0.028571428571428564 0.07142857142857144 0.047619047619047596 0.021276595744680833 0.02564102564102563"
            + " 0.03125 0.03125 0.03125 0.11363636363636356 0.03571428571428572 0.0 0.02777777777777777 0.0 0.0"
            + " 0.055555555555555546 0.028571428571428564 0.03225806451612904";

    // ---------------------------------------------------------------- classifier

    static Stream<String> classifierCases() throws IOException {
        try (InputStream in = KayentaConformanceTest.class.getResourceAsStream("/conformance/kayenta-classifier.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("classifierCases")
    void classifiesAsKayentasMannWhitneyClassifier(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        MannWhitneyMetric.EffectMeasure measure = f[3].equals("cles") ? MannWhitneyMetric.EffectMeasure.CLES
                : MannWhitneyMetric.EffectMeasure.MEAN_RATIO;
        var effect = new MannWhitneyMetric.EffectSize(measure, Double.parseDouble(f[5]), Double.parseDouble(f[4]),
                Double.parseDouble(f[7]), Double.parseDouble(f[6]));
        var preprocessing = new MannWhitneyMetric.Preprocessing(KayentaTransforms.NanStrategy.valueOf(f[9]), false,
                3.0, false);
        var metric = new MannWhitneyMetric("m", MannWhitneyMetric.Measure.ERROR_RATE, MetricDirection.valueOf(f[8]),
                Boolean.parseBoolean(f[10]), false, effect, List.of("g"), preprocessing);
        var config = new MannWhitneyConfig(MINUTE, MINUTE, MINUTE, Duration.ZERO, 95, 75, Double.parseDouble(f[2]),
                Double.parseDouble(f[1]), List.of(metric), Map.of());
        var judge = new MannWhitneyJudge(config);

        MannWhitneyJudge.Classification c = judge.classify(metric, values(f[14]), values(f[13]));

        String where = REPOSITORY + "@" + COMMIT + " " + TESTS + "ClassifierSuite.scala: " + f[0];
        assertThat(c.label()).as(where + " (%s)", c.reason()).isEqualTo(MannWhitneyJudge.Label.valueOf(f[11]));
        if (!f[12].equals("-")) {
            assertThat(c.critical()).as(where + " critical").isEqualTo(Boolean.parseBoolean(f[12]));
        }
        assertThat(c.reason()).as(where + " reason").isNotBlank();
    }

    /**
     * Kayenta's metrics are all queries of a provider, one value per step and scope: the same ClassifierSuite cases,
     * fed to the judge as a custom metric's measurements (canary and stable value per measurement, as the rollout
     * runner hands a relative metric's measurements to the judge) and judged at the lifetime's end, classify as
     * Kayenta classifies them. A side shorter than the other is padded with NaN, which Kayenta's default
     * {@code nanStrategy: remove} drops; the one case that needs an empty canary side under {@code replace} (NaN
     * would become 0) is left out here: it cannot come from paired measurements.
     */
    static Stream<String> customMetricCases() throws IOException {
        return classifierCases().filter(row -> {
            String[] f = row.split("\\s*\\|\\s*", -1);
            return !(f[9].equals("REPLACE") && values(f[13]).length != values(f[14]).length);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("customMetricCases")
    void aCustomMetricsMeasurementsThroughTheJudgeClassifyAsKayentas(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        MannWhitneyMetric.EffectMeasure measure = f[3].equals("cles") ? MannWhitneyMetric.EffectMeasure.CLES
                : MannWhitneyMetric.EffectMeasure.MEAN_RATIO;
        var effect = new MannWhitneyMetric.EffectSize(measure, Double.parseDouble(f[5]), Double.parseDouble(f[4]),
                Double.parseDouble(f[7]), Double.parseDouble(f[6]));
        var preprocessing = new MannWhitneyMetric.Preprocessing(KayentaTransforms.NanStrategy.valueOf(f[9]), false,
                3.0, false);
        var metric = new MannWhitneyMetric("m", MannWhitneyMetric.Measure.PROVIDED, MetricDirection.valueOf(f[8]),
                Boolean.parseBoolean(f[10]), false, effect, List.of("g"), preprocessing);
        var config = new MannWhitneyConfig(MINUTE, MINUTE, MINUTE, Duration.ZERO, 95, 75, Double.parseDouble(f[2]),
                Double.parseDouble(f[1]), List.of(metric), Map.of());
        Judge judge = config.newJudge();
        double[] canary = values(f[13]);
        double[] baseline = values(f[14]);
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < Math.max(canary.length, baseline.length); i++) {
            judge.observeMetric(new MetricSample("m", t0.plusMillis(100L * i), i < canary.length ? canary[i]
                    : Double.NaN, i < baseline.length ? baseline[i] : Double.NaN));
        }
        Judgement j = judge.observe(WindowObservation.measured(t0, t0.plus(MINUTE), TrackWindow.counts(100, 0),
                TrackWindow.counts(100, 0), LatencyPairs.NONE));

        String where = REPOSITORY + "@" + COMMIT + " " + TESTS + "ClassifierSuite.scala: " + f[0];
        MannWhitneyJudge.Label expected = MannWhitneyJudge.Label.valueOf(f[11]);
        Evidence e = j.evidence().get(0);
        assertThat(e.verdict()).as(where + " (%s)", e.reason()).isEqualTo(switch (expected) {
            case PASS -> Verdict.PASS;
            case NODATA, ERROR -> Verdict.INCONCLUSIVE;
            case HIGH, LOW, NODATA_FAIL -> Verdict.FAIL;
        });
        if (expected == MannWhitneyJudge.Label.HIGH || expected == MannWhitneyJudge.Label.LOW) {
            assertThat(e.reason()).as(where).startsWith("m: " + expected.name().toLowerCase());
        }
        if (f[12].equals("true")) {
            // DeployGuard's departure (docs/analysis.md): a critical metric without data holds, never zeroes the score
            assertThat(j.reason()).as(where).contains(expected == MannWhitneyJudge.Label.NODATA
                    ? "metrics without data: holding" : "critical metric m failed");
        }
    }

    // ---------------------------------------------------------------- preprocessing

    /** file | case | operation | input | expected (outlier masks as 0/1). */
    private static final List<String> TRANSFORMS = List.of(
            "TransformSuite.scala | Remove Single NaN | removeNaNs | 0 1 NaN 1 0 | 0 1 1 0",
            "TransformSuite.scala | Remove Multiple NaN | removeNaNs | NaN NaN NaN | ",
            "TransformSuite.scala | Replace NANs | replaceNaNs | NaN 10.1 20.2 30.3 NaN 40.4 | 0 10.1 20.2 30.3 0 40.4",
            "TransformSuite.scala | IQR Outlier Removal | removeOutliers | 21 23 24 25 50 29 23 21 | 21 23 24 25 29 23 21",
            "DetectorSuite.scala | IQR Detection | outliers | 21 23 24 25 50 29 23 21 | 0 0 0 0 1 0 0 0",
            "DetectorSuite.scala | IQR Detect Two Sided | outliers | 1 1 1 5 -1 -1 -1 -5 | 0 0 0 1 0 0 0 1",
            "DetectorSuite.scala | IQR Empty Data | outliers |  | ",
            "DetectorSuite.scala | IQR NIST Test | outliers | 30 171 184 201 212 250 265 270 272 289 305 306 322 322"
                    + " 336 346 351 370 390 404 409 411 436 437 439 441 444 448 451 453 470 480 482 487 494 495 499"
                    + " 503 514 521 522 527 548 550 559 560 570 572 574 578 585 592 592 607 616 618 621 629 637 638"
                    + " 640 656 668 707 709 719 737 739 752 758 766 792 792 794 802 818 830 832 843 858 860 869 918"
                    + " 925 953 991 1000 1005 1068 1441 | " + "0 ".repeat(89) + "1",
            // The judge's detector (NetflixACAJudge.handleOutliers): reduced sensitivity, fences at least p1/p99.
            "IQRDetector | reduced sensitivity keeps the tied top values | outliers:1.5:true | 1 2 3 4 5 6 7 8 30 30"
                    + " | 0 0 0 0 0 0 0 0 0 0",
            "IQRDetector | the same data without it | outliers:1.5:false | 1 2 3 4 5 6 7 8 30 30 | 0 0 0 0 0 0 0 0 1 1",
            "IQRDetector | reduced sensitivity still removes a lone extreme | outliers:1.5:true | 21 23 24 25 50 29 23 21"
                    + " | 0 0 0 0 1 0 0 0",
            "IQRDetector | two sided, reduced | outliers:1.5:true | 1 1 1 5 -1 -1 -1 -5 | 0 0 0 1 0 0 0 1",
            "IQRDetector | factor 3 (the judge's default) | outliers:3.0:false | 1 2 3 4 5 6 7 8 9 40"
                    + " | 0 0 0 0 0 0 0 0 0 1",
            "IQRDetector | no outlier in a uniform run | outliers:1.5:false | 1 2 3 4 5 6 7 8 9 10 | 0 0 0 0 0 0 0 0 0 0",
            "IQRDetector | a single value is no outlier | outliers:3.0:true | 7 | 0",
            "IQRDetector | zero IQR flags any other value | outliers:1.5:false | 5 5 5 5 5 5 100 | 0 0 0 0 0 0 1",
            "Transforms | replacing NaNs keeps every position | replaceNaNs | NaN 3 NaN | 0 3 0");

    static Stream<String> transforms() {
        return TRANSFORMS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transforms")
    void preprocessesAsKayentasTransforms(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        double[] in = values(f[3]);

        double[] out = switch (f[2]) {
            case "removeNaNs" -> KayentaTransforms.removeNaNs(in);
            case "replaceNaNs" -> KayentaTransforms.replaceNaNs(in, 0);
            case "removeOutliers" -> KayentaTransforms.removeOutliers(in, 1.5, false);
            case "outliers" -> mask(KayentaTransforms.outliers(in, 1.5, false));
            default -> {
                String[] o = f[2].split(":");
                yield mask(KayentaTransforms.outliers(in, Double.parseDouble(o[1]), Boolean.parseBoolean(o[2])));
            }
        };

        String file = f[0].endsWith(".scala") ? TESTS + f[0]
                : JUDGE + (f[0].equals("IQRDetector") ? "detectors/" : "preprocessing/") + f[0] + ".scala";
        assertThat(out).as("%s@%s %s: %s", REPOSITORY, COMMIT, file, f[1]).containsExactly(values(f[4]));
    }

    // ---------------------------------------------------------------- scorer

    /**
     * file | case | group weights | metrics as CLASSIFICATION@group, ! critical, ~ muted | expected score.
     */
    private static final List<String> SCORES = List.of(
            "ScorerSuite | Single Metric Pass |  | PASS@test-group | 100",
            "ScorerSuite | Single Metric Fail |  | HIGH@test-group | 0",
            "ScorerSuite | Single group Nodata |  | NODATA@test-group-nodata | 0",
            "ScorerSuite | Two Groups, one Pass, one Nodata |  | PASS@pass PASS@pass NODATA@nodata | 100",
            "ScorerSuite | One Group, Two Metrics |  | PASS@g HIGH@g | 50",
            "ScorerSuite | One Group, Three Metrics |  | PASS@g HIGH@g LOW@g | 33.33",
            "ScorerSuite | Two Groups, Three Metrics | group-1=75 group-2=25 | PASS@group-1 PASS@group-1 HIGH@group-2 | 75",
            "ScorerSuite | Two Groups, Three Metrics (Equal Weight) | group-1=50 group-2=50"
                    + " | PASS@group-1 HIGH@group-1 HIGH@group-2 | 25",
            "ScorerSuite | Equal Weight, one NoData | group-1=50 group-2=50 | PASS@group-1 NODATA@group-1 HIGH@group-2"
                    + " | 50",
            "ScorerSuite | one good (normal), one fail (critical) |  | PASS@g HIGH!@g | 0",
            "ScorerSuite | one low (normal), one good (critical) |  | LOW@g PASS!@g | 50",
            "ScorerSuite | one good (normal), one nodata (critical) |  | PASS@g NODATA!@g | 0",
            "ScorerSuite | Two Groups (Unequal Weight), Four Metrics | group1=15 group2=85"
                    + " | HIGH@group1 LOW@group1 PASS@group1 HIGH@group2 | 5",
            "ScoringHelper | a muted failing metric is left out |  | PASS@a HIGH~@a | 100",
            "ScoringHelper | a muted critical failure is left out |  | HIGH!~@a PASS@b | 100",
            "ScoringHelper | muted NODATA does not count toward the 50% |  | PASS@a PASS@b NODATA@c NODATA~@d | 100",
            "WeightedSumScorer | NODATA_FAIL counts as a failed metric |  | PASS@a NODATA_FAIL@a | 50",
            "WeightedSumScorer | ERROR is neither passed nor failed |  | PASS@a ERROR@a | 100",
            "WeightedSumScorer | a group of only ERROR scores as no data (100) |  | PASS@a ERROR@b HIGH@c | 66.67",
            "WeightedSumScorer | exactly 50% NODATA scores 0 |  | PASS@a NODATA@b | 0",
            "WeightedSumScorer | unweighted groups share the rest | a=40 | HIGH@a PASS@b PASS@c | 60",
            "WeightedSumScorer | three equal groups round half-up |  | PASS@a PASS@b HIGH@c | 66.67",
            "WeightedSumScorer | a metric in two groups counts in both |  | HIGH@a PASS@b | 50",
            "WeightedSumScorer | a critical LOW fails like a critical HIGH (critical and not Pass) |  | LOW!@a PASS@b"
                    + " | 0",
            "WeightedSumScorer | weights that take all 100 leave an unweighted group 0 | a=100 | PASS@a HIGH@b | 100",
            "WeightedSumScorer | weights are not normalised: two passing groups of 30 | a=30 b=30 | PASS@a PASS@b"
                    + " | 60",
            "WeightedSumScorer | a weighted group without results still takes its share | a=50 | PASS@b | 50",
            "WeightedSumScorer | 40% NODATA is below the 50% threshold |  | PASS@a PASS@b PASS@c NODATA@d NODATA@e"
                    + " | 100",
            "WeightedSumScorer | ERROR results count in the NODATA share's denominator |  | PASS@a PASS@b ERROR@c"
                    + " NODATA@d NODATA@e | 100");

    static Stream<String> scores() {
        return SCORES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scores")
    void scoresAsKayentasWeightedSumScorer(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        Map<String, Double> weights = new LinkedHashMap<>();
        for (String w : f[2].isBlank() ? new String[0] : f[2].split(" ")) {
            weights.put(w.split("=")[0], Double.parseDouble(w.split("=")[1]));
        }
        List<KayentaScore.MetricResult> results = Arrays.stream(f[3].split(" ")).map(m -> {
            String label = m.substring(0, m.indexOf('@')).replace("!", "").replace("~", "");
            String head = m.substring(0, m.indexOf('@'));
            return new KayentaScore.MetricResult(m, MannWhitneyJudge.Label.valueOf(label), head.contains("!"),
                    head.contains("~"), List.of(m.substring(m.indexOf('@') + 1)));
        }).toList();

        KayentaScore score = KayentaScore.of(results, weights, 95, 75);

        String file = f[0].equals("ScorerSuite") ? TESTS + "ScorerSuite.scala"
                : JUDGE + "scorers/" + f[0] + ".scala";
        assertThat(score.score()).as("%s@%s %s: %s", REPOSITORY, COMMIT, file, f[1])
                .isEqualTo(Double.parseDouble(f[4]));
    }

    // ---------------------------------------------------------------- label and rounding

    /** score | pass | marginal | Kayenta's label (ThresholdScoreClassifier.scala). */
    private static final List<String> LABELS = List.of(
            "100 | 95 | 75 | PASS", "95 | 95 | 75 | PASS", "94.99 | 95 | 75 | MARGINAL", "75 | 95 | 75 | MARGINAL",
            "74.99 | 95 | 75 | FAIL", "0 | 95 | 75 | FAIL", "50 | 90 | 50 | MARGINAL", "49.99 | 90 | 50 | FAIL");

    static Stream<String> labels() {
        return LABELS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labels")
    void labelsAsKayentasThresholdScoreClassifier(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);

        KayentaScore.Label label = KayentaScore.label(Double.parseDouble(f[0]), Double.parseDouble(f[1]),
                Double.parseDouble(f[2]));

        assertThat(label).as("%s@%s %sclassifiers/score/ThresholdScoreClassifier.scala: %s", REPOSITORY, COMMIT,
                JUDGE, row).isEqualTo(KayentaScore.Label.valueOf(f[3]));
    }

    /** raw sum | rounded as Precision.round(x, 2) rounds it (half-up on the decimal form; WeightedSumScorer.scala). */
    private static final List<String> ROUNDING = List.of(
            "33.333333333333336 | 33.33", "66.66666666666667 | 66.67", "2.675 | 2.68", "1.005 | 1.01",
            "0.125 | 0.13", "99.995 | 100.0", "12.344999 | 12.34");

    static Stream<String> rounding() {
        return ROUNDING.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rounding")
    void roundsHalfUpAsKayenta(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);

        double rounded = KayentaScore.roundHalfUp(Double.parseDouble(f[0]));

        assertThat(rounded).as("%s@%s %sscorers/WeightedSumScorer.scala: %s", REPOSITORY, COMMIT, JUDGE, row)
                .isEqualTo(Double.parseDouble(f[1]));
    }

    // ---------------------------------------------------------------- statistics and effect sizes

    /** case | data | percentile | Kayenta's value | tolerance (StatisticSuite.scala; R-7 as DescriptiveStatistics). */
    private static final List<String> PERCENTILES = List.of(
            "Basic Percentile p5 | 0.0 0.5 1.0 1.5 2.0 2.5 3.0 3.5 | 5 | 0.175 | 1e-4",
            "Basic Percentile p50 | 0.0 0.5 1.0 1.5 2.0 2.5 3.0 3.5 | 50 | 1.75 | 0",
            "Basic Percentile p100 | 0.0 0.5 1.0 1.5 2.0 2.5 3.0 3.5 | 100 | 3.5 | 0",
            "Basic Percentile Estimate (Linear Interpolation) | 0 1 2 3 4 5 6 7 8 9 | 50 | 4.5 | 0",
            "Percentile (NIST Data) | 95.1772 95.1567 95.1937 95.1959 95.1442 95.0610 95.1591 95.1195 95.1772"
                    + " 95.0925 95.1990 95.1682 | 90 | 95.19568 | 1e-12",
            "Percentile Metric Object | 1.0 | 100 | 1.0 | 0",
            "Percentile Estimate (Linear Interpolation) p25 | " + LINEAR + " | 25 | 0.0 | 0",
            "Percentile Estimate (Linear Interpolation) p75 | " + LINEAR + " | 75 | 0.0416 | 1e-4");

    static Stream<String> percentiles() {
        return PERCENTILES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("percentiles")
    void percentilesAsKayentasDescriptiveStatistics(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);

        double p = KayentaTransforms.percentile(values(f[1]), Double.parseDouble(f[2]));

        assertThat(p).as("%s@%s %sStatisticSuite.scala: Summary Statistics: %s", REPOSITORY, COMMIT, TESTS, f[0])
                .isCloseTo(Double.parseDouble(f[3]), org.assertj.core.data.Offset.offset(Double.parseDouble(f[4])));
    }

    /**
     * file | case | measure | canary (experiment) | baseline (control) | Kayenta's effect size (NaN = undefined) |
     * tolerance. From StatisticSuite.scala and, for the rule no test covers, stats/EffectSizes.scala.
     */
    private static final List<String> EFFECTS = List.of(
            "StatisticSuite.scala | Effect Size: Mean Ratio (No Effect) | meanRatio | 1 1 1 1 1 | 1 1 1 1 1 | 1.0 | 0",
            "StatisticSuite.scala | Effect Size: Mean Ratio (High) | meanRatio | 10 10 10 10 10 | 1 1 1 1 1 | 10.0 | 0",
            "StatisticSuite.scala | Effect Size: Mean Ratio (Low) | meanRatio | 10 10 10 10 10 | 100 100 100 100 100"
                    + " | 0.1 | 0",
            "StatisticSuite.scala | Effect Size: Mean Ratio (Zero Mean) | meanRatio | 10 10 10 10 10 | 0 0 0 0 0 | NaN"
                    + " | 0",
            "EffectSizes | a canary whose mean is zero has no mean ratio either | meanRatio | 0 0 0 | 5 6 7 | NaN | 0",
            "StatisticSuite.scala | CLES Effect Size: Identical | cles | 1 2 3 4 5 | 1 2 3 4 5 | 0.5 | 0",
            "StatisticSuite.scala | CLES Effect Size: Different (No Overlap) | cles | 2.27776335 2.61149434 3.26894105"
                    + " 2.91672701 1.40656921 2.18292082 3.47901292 3.00034118 3.02402043 4.69912745 | 25.31531073"
                    + " 25.19450817 24.6288846 24.37991861 26.40999244 25.28524759 24.99788745 26.13841676 22.93604649"
                    + " 24.56817832 | 0.0 | 0",
            "StatisticSuite.scala | CLES Effect Size: High Metric | cles | 29.17644856 25.16947646 25.88467948"
                    + " 29.4900454 27.05622757 26.13307864 27.2711558 26.69139944 29.05412377 26.39818697 26.68312641"
                    + " 24.99600187 27.99524816 22.57278291 23.72798196 25.82821505 28.26624521 28.02370228 24.1792213"
                    + " 26.02914828 25.90970275 31.18337461 27.44254942 29.93347686 26.70848069 28.12191913 27.39257837"
                    + " 30.17636627 29.60240485 30.10635388 | 24.69397578 25.37120574 25.86186148 26.93804252"
                    + " 22.72232309 24.15894084 24.80842752 26.07830794 27.35323988 23.25110886 24.65909111 23.88299016"
                    + " 21.34817847 26.33198082 23.39498829 26.6734461 25.33769589 23.92348759 25.29740715 24.21381887"
                    + " 28.1697053 22.2271772 27.16612837 25.16639243 26.85955896 27.13421926 25.43350074 26.32130314"
                    + " 23.8854011 27.86180318 | 0.771 | 0.001",
            "StatisticSuite.scala | CLES Effect Size: Low Metric | cles | 22.58442682 18.83161858 22.34282944"
                    + " 18.52177725 19.41399147 21.77120485 24.33796385 22.16390531 23.781802 21.38514296 22.2205035"
                    + " 22.06152361 21.30313392 21.59652134 22.38394223 24.68882792 20.58916439 21.03137302 22.26213957"
                    + " 23.76485986 20.56271226 24.56567102 19.86055958 22.18967677 20.31475409 19.2634656 24.60283585"
                    + " 20.41729998 20.62069798 22.53448767 | 23.15322873 22.09179077 26.56410603 23.0971542 24.26372276"
                    + " 25.6461273 29.42730472 22.08630097 29.15257054 25.8096766 24.62191338 23.67398895 23.63946085"
                    + " 26.44684325 25.76230914 25.41279862 22.64005862 24.58898152 25.01968457 25.03695883 23.79864705"
                    + " 26.60180151 25.99405034 22.46726084 28.31843786 24.30152484 22.83713467 21.92380184 23.44735223"
                    + " 29.15676219 | 0.12 | 1e-12");

    static Stream<String> effects() {
        return EFFECTS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("effects")
    void effectSizesAsKayentasEffectSizes(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        MannWhitneyMetric.EffectMeasure measure = f[2].equals("cles") ? MannWhitneyMetric.EffectMeasure.CLES
                : MannWhitneyMetric.EffectMeasure.MEAN_RATIO;

        double effect = MannWhitneyJudge.effectSize(measure, values(f[4]), values(f[3]));

        String file = f[0].endsWith(".scala") ? TESTS + f[0] : JUDGE + "stats/" + f[0] + ".scala";
        String where = String.format("%s@%s %s: %s", REPOSITORY, COMMIT, file, f[1]);
        if (f[5].equals("NaN")) {
            assertThat(effect).as(where).isNaN();
        } else {
            assertThat(effect).as(where).isCloseTo(Double.parseDouble(f[5]),
                    org.assertj.core.data.Offset.offset(Double.parseDouble(f[6])));
        }
    }

    // ---------------------------------------------------------------- the judge's defaults

    /** A default of NetflixACAJudge.scala (per-metric {@code canary} analysis configuration) and DeployGuard's value. */
    record Default(String what, Object deployGuard, Object kayenta) {
        @Override
        public String toString() {
            return what + " = " + kayenta;
        }
    }

    static Stream<Default> defaults() {
        MannWhitneyConfig config = MannWhitneyConfig.defaults();
        MannWhitneyMetric.Preprocessing p = MannWhitneyMetric.Preprocessing.DEFAULTS;
        MannWhitneyMetric metric = MannWhitneyMetric.of("m", MannWhitneyMetric.Measure.ERROR_RATE,
                MetricDirection.INCREASE);
        MannWhitneyMetric.EffectSize ratio = MannWhitneyMetric.EffectSize.defaults(
                MannWhitneyMetric.EffectMeasure.MEAN_RATIO);
        MannWhitneyMetric.EffectSize cles = MannWhitneyMetric.EffectSize.defaults(MannWhitneyMetric.EffectMeasure.CLES);
        return Stream.of(
                new Default("MannWhitneyClassifier confLevel", config.confidenceLevel(), 0.98),
                new Default("MannWhitneyClassifier tolerance", config.tolerance(), 0.25),
                new Default("nanStrategy", p.nanStrategy(), KayentaTransforms.NanStrategy.REMOVE),
                new Default("outliers.strategy (none: outliers kept)", p.removeOutliers(), false),
                new Default("outliers.outlierFactor", p.outlierFactor(), 3.0),
                new Default("muted", p.muted(), false),
                new Default("critical", metric.critical(), false),
                new Default("mustHaveData", metric.mustHaveData(), false),
                new Default("effectSize.measure", metric.effectSize().measure(),
                        MannWhitneyMetric.EffectMeasure.MEAN_RATIO),
                new Default("meanRatio allowedIncrease, allowedDecrease, criticalIncrease, criticalDecrease",
                        List.of(ratio.allowedIncrease(), ratio.allowedDecrease(), ratio.criticalIncrease(),
                                ratio.criticalDecrease()), List.of(1.0, 1.0, 1.0, 1.0)),
                new Default("cles allowedIncrease, allowedDecrease, criticalIncrease, criticalDecrease",
                        List.of(cles.allowedIncrease(), cles.allowedDecrease(), cles.criticalIncrease(),
                                cles.criticalDecrease()), List.of(0.5, 0.5, 0.5, 0.5)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaults")
    void defaultsAsKayentasNetflixAcaJudge(Default d) {
        assertThat(d.deployGuard()).as("%s@%s %sNetflixACAJudge.scala: %s", REPOSITORY, COMMIT, JUDGE, d.what())
                .isEqualTo(d.kayenta());
    }

    private static double[] values(String list) {
        return list.isBlank() ? new double[0]
                : Arrays.stream(list.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
    }

    private static double[] mask(boolean[] flags) {
        double[] out = new double[flags.length];
        for (int i = 0; i < flags.length; i++) {
            out[i] = flags[i] ? 1 : 0;
        }
        return out;
    }
}
