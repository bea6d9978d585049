package dev.deployguard.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.FailureCounting;
import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.ThresholdConfig;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flagger conformance of the checks: what one analysis interval decides (advance, halt, roll back) as fluxcd/flagger
 * at {@link FlaggerConformanceTest#COMMIT} decides it. The rules come from its docs ({@code metrics.md}: a metric
 * fails outside its {@code thresholdRange}; {@code deployment-strategies.md}: failed checks are counted and the
 * canary is rolled back at {@code threshold}) and its scheduler ({@code scheduler_metrics.go}: {@code val < min} and
 * {@code val > max} fail, the first failing metric ends the check, a query without values or a provider error fails
 * the check; {@code scheduler.go}: {@code FailedChecks} only grows during an analysis and rolls back at
 * {@code >= threshold}).
 *
 * <p>Each check is one interval of DeployGuard's threshold judge as the Flagger shorthand runs it (one passing check
 * per weight step). DeployGuard departs in one place, by default: a check without data (no canary traffic, no
 * latency values, fewer than 50 canary requests) or with a metric source error holds instead of failing; rows marked
 * {@code default} pin that departure, rows marked {@code strict} show that {@code compat: strict} decides as Flagger.
 */
class FlaggerChecksConformanceTest {
    private static final String REPOSITORY = FlaggerConformanceTest.REPOSITORY;
    private static final String COMMIT = FlaggerConformanceTest.COMMIT;
    private static final Duration INTERVAL = Duration.ofMinutes(1);
    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
    private static final long REQUESTS = 10_000;
    private static final double[] BOUNDS = {250, 500, 1000};

    /**
     * file | case | compat | threshold | thresholdRange min of request-success-rate | max of request-duration (- =
     * not checked) | checks | Flagger's decision after each check: A advance, H halt, R roll back.
     *
     * <p>A check is the canary's success rate in percent over 10,000 requests, {@code n/e} for n requests with e
     * errors, {@code -} for no canary traffic, {@code E} for a metric source error; {@code :p500}, {@code :p750},
     * {@code :p995} give the canary's p99 latency (a histogram whose Prometheus-style p99 is that many ms).
     */
    private static final List<String> CHECKS = List.of(
            // thresholdRange.min of request-success-rate: val < min halts; val == min passes.
            "docs/gitbook/usage/metrics.md | success rate above min 99 advances | default | 5 | 99 | - | 99.5 | A",
            "pkg/controller/scheduler_metrics.go | success rate equal to min passes (val < min fails) | default | 5 | 99"
                    + " | - | 99 | A",
            "pkg/controller/scheduler_metrics.go | success rate just below min halts and counts | default | 5 | 99 | -"
                    + " | 98.99 | H",
            "pkg/controller/scheduler_metrics.go | min 100 passes only a perfect canary | default | 5 | 100 | - | 100"
                    + " 99.99 | A H",
            "docs/gitbook/usage/metrics.md | custom min 90 passes 90 and halts 89.99 | default | 5 | 90 | - | 90 89.99"
                    + " | A H",
            "pkg/controller/scheduler_metrics.go | min 0 never fails on the rate | default | 1 | 0 | - | 0 | A",
            "pkg/controller/scheduler_metrics.go | every request failing with threshold 1 rolls back | default | 1 | 99"
                    + " | - | 0 | R",
            // thresholdRange.max of request-duration (P99 in ms): val > max halts; val == max passes.
            "docs/gitbook/usage/metrics.md | p99 below max 500 advances | default | 5 | 99 | 500 | 99.5:p500 | A",
            "pkg/controller/scheduler_metrics.go | p99 equal to max passes (val > max fails) | default | 1 | 99 | 500"
                    + " | 100:p500 | A",
            "pkg/controller/scheduler_metrics.go | p99 above max halts | default | 5 | 99 | 500 | 100:p750 | H",
            "pkg/controller/scheduler_metrics.go | p99 above max with threshold 1 rolls back | default | 1 | 99 | 500"
                    + " | 100:p750 | R",
            "docs/gitbook/usage/metrics.md | max 1000 ms accepts a 995 ms p99 | default | 1 | 99 | 1000 | 100:p995 | A",
            "pkg/controller/scheduler_metrics.go | both metrics failing is one failed check, not two | default | 2 | 99"
                    + " | 500 | 90:p750 | H",
            "pkg/controller/scheduler_metrics.go | a good rate does not save a slow canary | default | 2 | 99 | 500"
                    + " | 100:p750 100:p995 | H R",
            "pkg/controller/scheduler_metrics.go | a fast canary does not save a failing rate | default | 2 | 99 | 500"
                    + " | 98:p500 97:p500 | H R",
            // threshold: failed checks accumulate over the analysis and roll back at >= threshold.
            "docs/gitbook/usage/deployment-strategies.md | threshold 10 rolls back after interval * threshold | default"
                    + " | 10 | 99 | - | 90 90 90 90 90 90 90 90 90 90 | H H H H H H H H H R",
            "docs/gitbook/usage/deployment-strategies.md | nine failures of threshold 10 then a pass advances | default"
                    + " | 10 | 99 | - | 90 90 90 90 90 90 90 90 90 99.9 | H H H H H H H H H A",
            "pkg/controller/scheduler.go | failed checks are a total, not a streak | default | 5 | 99 | - | 90 99.9 90"
                    + " 99.9 90 99.9 90 99.9 90 | H A H A H A H A R",
            "docs/gitbook/usage/deployment-strategies.md | A/B example: threshold 2 rolls back on the second failure"
                    + " | default | 2 | 99 | - | 95 95 | H R",
            "docs/gitbook/usage/deployment-strategies.md | A/B example: one failure of threshold 2 is survived"
                    + " | default | 2 | 99 | - | 95 99.5 99.5 99.5 99.5 99.5 99.5 99.5 99.5 99.5"
                    + " | H A A A A A A A A A",
            "pkg/apis/flagger/v1beta1/canary.go | threshold 1 (GetAnalysisThreshold's default) rolls back at once"
                    + " | default | 1 | 99 | - | 98 | R",
            "pkg/controller/scheduler.go | a rolled back canary stays rolled back | default | 5 | 99 | - | 90 90 90 90"
                    + " 90 99.9 99.9 | H H H H R R R",
            "pkg/controller/scheduler.go | passes before failures do not reset the count | default | 3 | 99 | - | 99.9"
                    + " 99.9 90 99.9 90 99.9 90 | A A H A H A R",
            "docs/gitbook/usage/deployment-strategies.md | threshold 5 with a good canary advances every interval"
                    + " | default | 5 | 99 | - | 99.9 99.9 99.9 99.9 99.9 | A A A A A",
            "pkg/controller/scheduler.go | a late burst of failures still rolls back | default | 3 | 99 | - | 99.9 99.9"
                    + " 99.9 99.9 50 50 50 | A A A A H H R",
            // No values found and provider errors: Flagger fails the check; DeployGuard holds unless compat: strict.
            "pkg/controller/scheduler_metrics.go | no canary traffic: DeployGuard holds (departure) | default | 1 | 99"
                    + " | - | - | H",
            "pkg/controller/scheduler_metrics.go | no canary traffic: strict fails the check as Flagger | strict | 1"
                    + " | 99 | - | - | R",
            "pkg/controller/scheduler_metrics.go | provider error: DeployGuard holds (departure) | default | 1 | 99 | -"
                    + " | E | H",
            "pkg/controller/scheduler_metrics.go | provider error: strict fails the check as Flagger | strict | 1 | 99"
                    + " | - | E | R",
            "pkg/controller/scheduler_metrics.go | five quiet intervals never roll back by default | default | 5 | 99"
                    + " | - | - - - - - | H H H H H",
            "pkg/controller/scheduler_metrics.go | five quiet intervals reach threshold 5 under strict | strict | 5"
                    + " | 99 | - | - - - - - | H H H H R",
            "pkg/controller/scheduler_metrics.go | errors between failures are not counted by default | default | 3"
                    + " | 99 | - | 90 E 90 E 90 | H H H H R",
            "pkg/controller/scheduler_metrics.go | errors between failures count under strict | strict | 3 | 99 | -"
                    + " | 90 E 90 | H H R",
            "pkg/controller/scheduler_metrics.go | strict: a provider outage then recovery advances | strict | 2 | 99"
                    + " | - | E 99.5 | H A",
            "pkg/controller/scheduler_metrics.go | few requests: DeployGuard holds below 50 (departure) | default | 1"
                    + " | 99 | - | 20/1 | H",
            "pkg/controller/scheduler_metrics.go | few requests: strict judges 95% < 99% as Flagger | strict | 1 | 99"
                    + " | - | 20/1 | R",
            "pkg/controller/scheduler_metrics.go | few requests: strict passes 20 good ones as Flagger | strict | 1 | 99"
                    + " | - | 20/0 | A",
            "pkg/controller/scheduler_metrics.go | no latency values: DeployGuard holds (departure) | default | 1 | 99"
                    + " | 500 | 100 | H",
            "pkg/controller/scheduler_metrics.go | no latency values: strict fails the check as Flagger | strict | 1"
                    + " | 99 | 500 | 100 | R",
            "pkg/controller/scheduler_metrics.go | strict does not change a failing rate's decision | strict | 2 | 99"
                    + " | - | 98.99 99 | H A");

    static Stream<String> checks() {
        return CHECKS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void eachIntervalDecidesAsFlaggerDecides(String row) {
        String[] f = row.split("\\s*\\|\\s*", -1);
        int threshold = Integer.parseInt(f[3]);
        double maxP99 = f[5].equals("-") ? Double.NaN : Double.parseDouble(f[5]);
        ThresholdConfig config = new ThresholdConfig(INTERVAL, Double.parseDouble(f[4]), maxP99, FailureCounting.TOTAL,
                threshold, threshold, 1, 50);
        Judge judge = (f[2].equals("strict") ? config.asStrict() : config).newJudge();

        String[] checks = f[6].split(" ");
        StringBuilder decisions = new StringBuilder();
        for (int i = 0; i < checks.length; i++) {
            Verdict v = judge.observe(window(i, checks[i])).verdict();
            decisions.append(decisions.isEmpty() ? "" : " ")
                    .append(v == Verdict.PASS ? "A" : v == Verdict.FAIL ? "R" : "H");
        }

        assertThat(decisions.toString()).as("%s@%s %s: %s", REPOSITORY, COMMIT, f[0], f[1]).isEqualTo(f[7]);
    }

    private static WindowObservation window(int index, String check) {
        Instant start = T0.plus(INTERVAL.multipliedBy(index));
        Instant end = start.plus(INTERVAL);
        if (check.equals("E")) {
            return WindowObservation.missing(start, end, "prometheus: connection refused");
        }
        String[] parts = check.split(":");
        long requests;
        long errors;
        if (parts[0].equals("-")) {
            requests = 0;
            errors = 0;
        } else if (parts[0].contains("/")) {
            requests = Long.parseLong(parts[0].split("/")[0]);
            errors = Long.parseLong(parts[0].split("/")[1]);
        } else {
            requests = REQUESTS;
            errors = Math.round((100 - Double.parseDouble(parts[0])) * REQUESTS / 100);
        }
        LatencyHistogram p99 = parts.length < 2 ? LatencyHistogram.EMPTY : switch (parts[1]) {
            case "p500" -> LatencyHistogram.of(BOUNDS, new long[] {0, 99, 1, 0});
            case "p750" -> LatencyHistogram.of(BOUNDS, new long[] {0, 98, 2, 0});
            case "p995" -> LatencyHistogram.of(BOUNDS, new long[] {0, 0, 100, 0});
            default -> throw new IllegalArgumentException("unknown latency " + parts[1]);
        };
        TrackWindow canary = new TrackWindow(requests, errors, 0, p99);
        return WindowObservation.measured(start, end, TrackWindow.counts(REQUESTS * 9, 0), canary, LatencyPairs.NONE);
    }
}
