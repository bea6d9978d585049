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
            "WeightedSumScorer | a metric in two groups counts in both |  | HIGH@a PASS@b | 50");

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
