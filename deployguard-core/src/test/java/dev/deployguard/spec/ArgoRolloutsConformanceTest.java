package dev.deployguard.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.deployguard.analysis.metric.Measurement;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricPhase;
import dev.deployguard.analysis.metric.MetricRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Argo Rollouts' analysis semantics, case by case, derived from its own tests and docs (no code copied): metrics are
 * written as our spec's YAML, measurements are given as a sequence of phases (S successful, F failed, I
 * inconclusive, E error) in simulated time, and the expected phase is Argo's. Where Argo's test sets counters that
 * no sequence reaches without ending the metric first, the sequence that reaches them is used (the phase is the
 * same: Argo's limits only ever grow).
 */
class ArgoRolloutsConformanceTest {
    static final String REPO = "argoproj/argo-rollouts";
    static final String COMMIT = "9f8d111d8f8e3e88b6d7f8bbdf62fd3cd863ef9d";
    private static final String ANALYSIS_TEST = "analysis/analysis_test.go";
    private static final String EVALUATE_TEST = "utils/evaluate/evaluate_test.go";
    private static final String FACTORY = "utils/analysis/factory.go";
    private static final String DOCS = "docs/features/analysis.md";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
    private static final String ROUTER = "provider: {router: {measure: errorRate}}, ";

    /** A metric run: the metric as YAML, the measurements, whether the run is terminating, Argo's phase. */
    record RunCase(String file, String test, String metric, String measurements, boolean terminating,
                   MetricPhase expected) {
        @Override
        public String toString() {
            return file + " " + test + ": {" + metric + "} after '" + measurements + "'"
                    + (terminating ? " terminating" : "") + " -> " + expected;
        }
    }

    static Stream<RunCase> metricStatus() {
        String f = ANALYSIS_TEST;
        String csl = "interval: 60s, failureLimit: -1, ";
        String both = "interval: 60s, failureLimit: 4, consecutiveSuccessLimit: 4, ";
        return Stream.of(
                new RunCase(f, "TestAssessMetricStatusNoMeasurements", "", "", false, MetricPhase.PENDING),
                new RunCase(f, "TestAssessMetricStatusNoMeasurements", "", "", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimit", "interval: 60s, failureLimit: 2", "FFF", false,
                        MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimit", "interval: 60s, failureLimit: 2", "FFF", true,
                        MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimit", "interval: 60s, failureLimit: 3", "FFF", false,
                        MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusFailureLimit", "interval: 60s, failureLimit: 3", "FFF", true,
                        MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit", csl + "consecutiveSuccessLimit: 3",
                        "SFFFSSS", false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit", csl + "consecutiveSuccessLimit: 3",
                        "SFFFSSS", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit", csl + "consecutiveSuccessLimit: 5",
                        "SFFFSSS", false, MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit", csl + "consecutiveSuccessLimit: 5",
                        "SFFFSSS", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 5, count: 7", "SFFFSSS", false, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 5, count: 7", "SFFFSSS", true, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 3, count: 7", "SFFFSSS", false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 3, count: 9", "SFFFSSS", false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 5, count: 9", "SFFFSSS", false, MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusConsecutiveSuccessLimit",
                        csl + "consecutiveSuccessLimit: 5, count: 9", "SFFFSSS", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both, "SFFFSSS", false,
                        MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both, "SFFFSSS", true,
                        MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both, "SSSFSSSFSSSFFF",
                        false, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both, "SSSFSSSFSSSFFF",
                        true, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both, "SFFFSSSS",
                        false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSSFFFFSSS", false, MetricPhase.INCONCLUSIVE),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSSFFFFSSS", true, MetricPhase.INCONCLUSIVE),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSSFSSFFFF", false, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSFFFFSSSS", false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSFFFSSS", false, MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSFFFSSS", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SSSFFFFF", false, MetricPhase.FAILED),
                new RunCase(f, "TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit", both + "count: 10",
                        "SFFFSSSS", true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusInconclusiveLimit", "interval: 60s, inconclusiveLimit: 2", "III",
                        false, MetricPhase.INCONCLUSIVE),
                new RunCase(f, "TestAssessMetricStatusInconclusiveLimit", "interval: 60s, inconclusiveLimit: 2", "III",
                        true, MetricPhase.INCONCLUSIVE),
                new RunCase(f, "TestAssessMetricStatusInconclusiveLimit", "interval: 60s, inconclusiveLimit: 3", "III",
                        false, MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusInconclusiveLimit", "interval: 60s, inconclusiveLimit: 3", "III",
                        true, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveErrors", "interval: 60s", "EEEEE", false,
                        MetricPhase.ERROR),
                new RunCase(f, "TestAssessMetricStatusConsecutiveErrors", "interval: 60s", "EEEEE", true,
                        MetricPhase.ERROR),
                new RunCase(f, "TestAssessMetricStatusConsecutiveErrors", "interval: 60s", "EEEE", true,
                        MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusConsecutiveErrors", "interval: 60s", "EEEE", false,
                        MetricPhase.RUNNING),
                new RunCase(f, "TestAssessMetricStatusConsecutiveErrors", "interval: 60s, consecutiveErrorLimit: 1",
                        "EE", false, MetricPhase.ERROR),
                new RunCase(f, "TestAssessMetricStatusCountReached", "interval: 60s, count: 10", "SSSSSSSSSS", false,
                        MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestAssessMetricStatusCountReached", "interval: 60s, count: 10", "SSSSSIIIII", false,
                        MetricPhase.INCONCLUSIVE),
                new RunCase(f, "TestRunMeasurementsResetConsecutiveErrorCounter", "interval: 60s", "EEEESEEEE", false,
                        MetricPhase.RUNNING),
                new RunCase(f, "TestRunMeasurementsResetConsecutiveErrorCounter", "interval: 60s", "EEEESEEEEE",
                        false, MetricPhase.ERROR),
                // Errors are not counted toward count: a metric measured once keeps retrying past an error.
                new RunCase(f, "TestGenerateMetricTasksError", "", "E", false, MetricPhase.RUNNING),
                new RunCase(f, "TestGenerateMetricTasksNoIntervalOrCount", "", "S", false, MetricPhase.SUCCESSFUL),
                new RunCase(f, "TestGenerateMetricTasksNoIntervalOrCount", "", "F", false, MetricPhase.FAILED),
                new RunCase(DOCS, "failureLimit (the doc's example: 3 failures tolerated)",
                        "interval: 5m, count: 10, failureLimit: 3", "FFFSSSS", false, MetricPhase.RUNNING),
                new RunCase(DOCS, "failureLimit (the doc's example: the 4th failure fails)",
                        "interval: 5m, count: 10, failureLimit: 3", "FFFSF", false, MetricPhase.FAILED),
                new RunCase(DOCS, "failureLimit defaults to 0: one failure fails", "interval: 1m", "SF", false,
                        MetricPhase.FAILED),
                new RunCase(DOCS, "inconclusiveLimit defaults to 0: one inconclusive ends it", "interval: 1m", "SI",
                        false, MetricPhase.INCONCLUSIVE),
                new RunCase(DOCS, "consecutiveErrorLimit defaults to 4", "interval: 1m", "EEEESEEEE", true,
                        MetricPhase.SUCCESSFUL),
                new RunCase(DOCS, "count without failures succeeds", "interval: 1m, count: 3", "SSS", false,
                        MetricPhase.SUCCESSFUL),
                                new RunCase(DOCS, "consecutiveSuccessLimit is a streak, not a total",
                        "interval: 5m, count: 10, failureLimit: 3, consecutiveSuccessLimit: 4", "SSSFSSSF", false,
                        MetricPhase.RUNNING));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("metricStatus")
    void metricPhase(RunCase c) {
        MetricRun run = new MetricRun(metric(c.metric()), T0);
        Instant at = T0;
        for (char p : c.measurements().toCharArray()) {
            at = at.plusSeconds(60);
            run.record(new Measurement(at, phase(p), 0.0, p == 'E' ? "provider unreachable" : ""));
        }
        assertThat(run.assess(c.terminating())).as(c.toString()).isEqualTo(c.expected());
    }

    /** One condition pair on one result; the expressions are CEL where Argo's are expr (see docs/analysis.md). */
    record ConditionCase(String file, String test, String success, String failure, Object result,
                         MetricPhase expected) {
        @Override
        public String toString() {
            return file + " " + test + ": success '" + success + "', failure '" + failure + "' on " + result + " -> "
                    + expected;
        }
    }

    static Stream<ConditionCase> conditions() {
        String f = EVALUATE_TEST;
        Map<String, Object> apdex = Map.of("service_apdex", Map.of("values", Map.of("values", List.of(2.0, 2.0))));
        return Stream.of(
                new ConditionCase(f, "TestEvaluateResultWithSuccess", "true", "false", 1.0, MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateResultWithFailure", "true", "true", 1.0, MetricPhase.FAILED),
                new ConditionCase(f, "TestEvaluateResultInconclusive", "false", "false", 1.0,
                        MetricPhase.INCONCLUSIVE),
                new ConditionCase(f, "TestEvaluateResultNoSuccessConditionAndNotFailing", null, "false", 1.0,
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateResultNoFailureConditionAndNotSuccessful", "false", null, 1.0,
                        MetricPhase.FAILED),
                new ConditionCase(f, "TestEvaluateResultNoFailureConditionAndNoSuccessCondition", null, null, 1.0,
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateConditionWithSuccess", "result == true", null, true,
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateConditionWithFailure", "result == false", null, true,
                        MetricPhase.FAILED),
                new ConditionCase(f, "TestEvaluateArray", "result.service_apdex.values.values.all(x, x > 1)", null,
                        apdex, MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateInOperator", "2.0 in result", null, List.of(2.0, 2.0),
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateFloat64", "result > 1", null, 5.0, MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateAsInt (int() for asInt)", "int(result) == 1", null, "1",
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateAsInt (int() truncates)", "int(result) == 1", null, 1.123,
                        MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateAsFloat (double() for asFloat)", "double(result) >= 1.1", null,
                        "1.1", MetricPhase.SUCCESSFUL),
                new ConditionCase(f, "TestEvaluateAsFloatError", "double(result) == 1.1", null, "NotANum",
                        MetricPhase.ERROR),
                new ConditionCase(DOCS, "successCondition on a vector (result[0])", "result[0] >= 0.95", null,
                        List.of(0.97), MetricPhase.SUCCESSFUL),
                new ConditionCase(DOCS, "successCondition on a vector (result[0])", "result[0] >= 0.95", null,
                        List.of(0.90), MetricPhase.FAILED),
                new ConditionCase(DOCS, "failureCondition only", null, "result[0] >= 100", List.of(120.0),
                        MetricPhase.FAILED),
                new ConditionCase(DOCS, "an empty result (len(result) == 0 is size(result) == 0)",
                        "size(result) == 0", null, List.of(), MetricPhase.SUCCESSFUL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conditions")
    void conditionPhase(ConditionCase c) {
        String yaml = ROUTER.replace("router: {measure: errorRate}", "web: {url: 'http://127.0.0.1:1/m'}")
                + (c.success() == null ? "" : "successCondition: \"" + c.success().replace("\"", "\\\"") + "\", ")
                + (c.failure() == null ? "" : "failureCondition: \"" + c.failure() + "\", ");
        MetricDefinition m = parse("{name: m, " + yaml + "}");
        assertThat(m.measure(T0, c.result()).phase()).as(c.toString()).isEqualTo(c.expected());
    }

    /** A metric Argo refuses to run: our spec error names the field. */
    record ValidationCase(String file, String test, String metric, String problem) {
        @Override
        public String toString() {
            return file + " " + test + ": {" + metric + "} -> " + problem;
        }
    }

    static Stream<ValidationCase> validation() {
        String f = FACTORY;
        return Stream.of(
                new ValidationCase(f, "ValidateMetric consecutiveSuccessLimit < 0", "consecutiveSuccessLimit: -1",
                        "m.consecutiveSuccessLimit: must be >= 0"),
                new ValidationCase(f, "ValidateMetric failureLimit < -1", "failureLimit: -2",
                        "m.failureLimit: must be >= 0, or -1 to be disabled"),
                new ValidationCase(f, "ValidateMetric both limits disabled", "failureLimit: -1",
                        "m: failureLimit and consecutiveSuccessLimit cannot both be disabled"),
                new ValidationCase(f, "ValidateMetric inconclusiveLimit < 0", "inconclusiveLimit: -1",
                        "m.inconclusiveLimit: must be >= 0"),
                new ValidationCase(f, "ValidateMetric consecutiveErrorLimit < 0", "consecutiveErrorLimit: -1",
                        "m.consecutiveErrorLimit: must be >= 0"),
                new ValidationCase(f, "ValidateMetric count < failureLimit + consecutiveSuccessLimit",
                        "count: 3, interval: 1m, failureLimit: 2, consecutiveSuccessLimit: 2",
                        "m.count: 3 must be >= failureLimit + consecutiveSuccessLimit (2 + 2)"),
                new ValidationCase(f, "ValidateMetric count < consecutiveSuccessLimit",
                        "count: 2, interval: 1m, failureLimit: -1, consecutiveSuccessLimit: 3",
                        "m.count: must be >= consecutiveSuccessLimit (3)"),
                new ValidationCase(f, "ValidateMetric count < inconclusiveLimit",
                        "count: 2, interval: 1m, inconclusiveLimit: 3", "m.count: must be >= inconclusiveLimit (3)"),
                new ValidationCase(f, "ValidateMetric interval needed when count > 1", "count: 2",
                        "m.interval: must be specified when count > 1"),
                new ValidationCase(f, "ValidateMetric invalid interval", "interval: soon",
                        "m.interval: "),
                new ValidationCase(EVALUATE_TEST, "TestErrorWithInvalidReference (a spec error here, not a run"
                        + " Error)", "successCondition: invalidVariable", "m.successCondition: 'invalidVariable'"),
                new ValidationCase(EVALUATE_TEST, "TestErrorWithNonBoolReturn (a spec error here)",
                        "successCondition: '1'", "m.successCondition: '1' is a int, expected a boolean"),
                new ValidationCase(EVALUATE_TEST, "TestEvaluateInvalidStruct (a spec error here)",
                        "successCondition: \"result.Name() == 'hi'\"", "m.successCondition: 'result.Name() == 'hi''"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validation")
    void refused(ValidationCase c) throws Exception {
        List<String> problems = new ArrayList<>();
        JsonNode node = YAML.readTree("{name: m, " + ROUTER + c.metric() + "}");
        assertThat(MetricSpecParser.metric(node, "m", problems)).as(c.toString()).isNull();
        assertThat(problems).as(c.toString()).anySatisfy(p -> assertThat(p).startsWith(c.problem()));
    }

    /** When the next measurement is due, in simulated time. */
    record ScheduleCase(String file, String test, String metric, String measurements, Duration expected) {
        @Override
        public String toString() {
            return file + " " + test + ": {" + metric + "} after '" + measurements + "' -> next at T0+" + expected;
        }
    }

    static Stream<ScheduleCase> schedule() {
        String f = ANALYSIS_TEST;
        return Stream.of(
                new ScheduleCase(f, "TestGenerateMetricTasksHonorInitialDelay", "interval: 60s, initialDelay: 20s",
                        "", Duration.ofSeconds(20)),
                new ScheduleCase(f, "TestCalculateNextReconcileTimeNoInterval (first measurement at once)", "", "",
                        Duration.ZERO),
                new ScheduleCase(f, "TestCalculateNextReconcileTimeInterval", "interval: 30s", "S",
                        Duration.ofSeconds(60 + 30)),
                new ScheduleCase(f, "TestCalculateNextReconcileUponError (10s retry whatever the interval)",
                        "interval: 30m", "E", Duration.ofSeconds(60 + 10)),
                new ScheduleCase(f, "TestCalculateNextReconcileTimeNoInterval (done after one)", "", "S", null),
                new ScheduleCase(f, "TestGenerateMetricTasksError (after a retry, the interval again)",
                        "interval: 30s", "ES", Duration.ofSeconds(120 + 30)),
                                new ScheduleCase(f, "TestGenerateMetricTasksInterval (count reached: no more)",
                        "interval: 30s, count: 2", "SS", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedule")
    void nextMeasurement(ScheduleCase c) {
        MetricRun run = new MetricRun(metric(c.metric()), T0);
        Instant at = T0;
        for (char p : c.measurements().toCharArray()) {
            at = at.plusSeconds(60);
            run.record(new Measurement(at, phase(p), 0.0, ""));
        }
        assertThat(run.nextMeasurementAt()).as(c.toString())
                .isEqualTo(c.expected() == null ? null : T0.plus(c.expected()));
    }

    /** Two metrics of one run: the run's phase (dry-run metrics never decide). */
    record RunPhaseCase(String file, String test, String first, String firstMeasurements, String second,
                        String secondMeasurements, MetricPhase expected) {
        @Override
        public String toString() {
            return file + " " + test + ": a {" + first + "} '" + firstMeasurements + "', b {" + second + "} '"
                    + secondMeasurements + "' -> " + expected;
        }
    }

    static Stream<RunPhaseCase> runPhase() {
        String f = ANALYSIS_TEST;
        return Stream.of(
                new RunPhaseCase(f, "TestAssessRunStatus (both successful)", "", "S", "", "S",
                        MetricPhase.SUCCESSFUL),
                new RunPhaseCase(f, "TestAssessRunStatus (one still running)", "interval: 60s", "S", "", "S",
                        MetricPhase.RUNNING),
                new RunPhaseCase(f, "TestAssessRunStatusMultipleFailures (failed is worst)", "", "F", "", "F",
                        MetricPhase.FAILED),
                new RunPhaseCase(f, "TestAssessRunStatus (failed beats error)", "consecutiveErrorLimit: 0", "E", "",
                        "F", MetricPhase.FAILED),
                new RunPhaseCase(f, "TestAssessRunStatus (error beats inconclusive)", "consecutiveErrorLimit: 0",
                        "E", "", "I", MetricPhase.ERROR),
                new RunPhaseCase(f, "TestReconcileAnalysisRunTerminateSiblingAfterFail", "", "F", "interval: 60s",
                        "SS", MetricPhase.FAILED),
                new RunPhaseCase(f, "TestAssessRunStatus (inconclusive beats successful)", "", "I", "", "S",
                        MetricPhase.INCONCLUSIVE),
                                new RunPhaseCase(f, "TestAssessRunStatusWithOnlyDryRunMetrics", "dryRun: true", "F", "dryRun: true",
                        "S", MetricPhase.SUCCESSFUL),
                new RunPhaseCase(f, "TestAssessRunStatusWithMixedMetrics", "dryRun: true", "F", "", "S",
                        MetricPhase.SUCCESSFUL),
                new RunPhaseCase(f, "TestAssessRunStatusMultipleFailuresInDryRunMode", "dryRun: true", "F", "", "F",
                        MetricPhase.FAILED),
                new RunPhaseCase(f, "TestAssessRunStatusErrorMessageFromProviderInDryRunMode",
                        "dryRun: true, consecutiveErrorLimit: 0", "E", "", "S", MetricPhase.SUCCESSFUL),
                new RunPhaseCase(f, "TestTerminateAnalysisRunInDryRunMode (a dry-run failure does not terminate)",
                        "dryRun: true", "F", "interval: 60s", "S", MetricPhase.RUNNING));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runPhase")
    void analysisRunPhase(RunPhaseCase c) {
        MetricDefinition a = parse("{name: a, " + ROUTER + c.first() + "}");
        MetricDefinition b = parse("{name: b, " + ROUTER + c.second() + "}");
        MetricAnalysis run = new MetricAnalysis(List.of(a, b), T0);
        feed(run.run("a"), c.firstMeasurements());
        feed(run.run("b"), c.secondMeasurements());
        assertThat(run.phase()).as(c.toString()).isEqualTo(c.expected());
    }

    @org.junit.jupiter.api.Test
    void theTableHasAtLeastAHundredCasesEachWithItsSource() {
        long n = metricStatus().count() + conditions().count() + validation().count() + schedule().count()
                + runPhase().count();
        assertThat(n).isGreaterThanOrEqualTo(100);
    }

    private static void feed(MetricRun run, String phases) {
        Instant at = T0;
        for (char p : phases.toCharArray()) {
            at = at.plusSeconds(60);
            run.record(new Measurement(at, phase(p), 0.0, ""));
        }
    }

    private static MetricDefinition metric(String fields) {
        return parse("{name: m, " + ROUTER + fields + "}");
    }

    private static MetricDefinition parse(String yaml) {
        List<String> problems = new ArrayList<>();
        try {
            MetricDefinition m = MetricSpecParser.metric(YAML.readTree(yaml), "m", problems);
            assertThat(problems).as(yaml).isEmpty();
            return m;
        } catch (java.io.IOException e) {
            throw new AssertionError(yaml, e);
        }
    }

    private static MetricPhase phase(char c) {
        return switch (c) {
            case 'S' -> MetricPhase.SUCCESSFUL;
            case 'F' -> MetricPhase.FAILED;
            case 'I' -> MetricPhase.INCONCLUSIVE;
            case 'E' -> MetricPhase.ERROR;
            default -> throw new IllegalArgumentException("phase " + c);
        };
    }
}
