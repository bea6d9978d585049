package dev.deployguard.bench.detection;

import dev.deployguard.analysis.MetricDirection;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.metric.Condition;
import dev.deployguard.analysis.metric.MetricAnalysis;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricGate;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.analysis.sim.Draws;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The playbook's CPU regression (issue 11 item 3): a canary that burns 4× the CPU per request with the same errors
 * and latency, judged by the built-in {@code cpuPerRequest} metric as docs/spec.md writes it (relative,
 * {@code failureCondition: result > 2}, every 10 s) through DeployGuard's own {@link MetricAnalysis} and
 * {@link MetricGate}. Traffic as the other rows (1,000 req/s, 5% to the canary, Poisson per second); CPU per request
 * log-normal (median 2 ms, log-sd 0.5) and each track's CPU seconds over an interval drawn from the normal
 * approximation of their sum, plus a machine-wide factor per interval (both tracks alike, log-sd 0.3: a busy host).
 * {@code cpu_4x} reports the time to roll back; {@code cpu_1x} (a good canary, 30 min) the false rollbacks.
 */
final class CpuRow {
    private static final double MEDIAN_MS = 2;
    private static final double SIGMA = 0.5;
    private static final Instant T0 = Instant.EPOCH;

    private CpuRow() {
    }

    /** The seconds until the gate said FAIL, or NaN when it did not within the horizon. */
    static double run(double multiplier, int horizonSeconds, long seed) {
        Draws draws = new Draws(seed);
        MetricDefinition cpu = new MetricDefinition("cpu", new Provider.Router("cpuPerRequest"), true,
                MetricDirection.EITHER, 1, false, null, Condition.parse("result > 2", true), null,
                Duration.ofSeconds(10), Duration.ZERO, 0, 0, MetricDefinition.DEFAULT_CONSECUTIVE_ERROR_LIMIT, 0,
                false);
        MetricAnalysis analysis = new MetricAnalysis(List.of(cpu), T0, true);
        double mean = MEDIAN_MS * Math.exp(SIGMA * SIGMA / 2);
        double variance = Math.expm1(SIGMA * SIGMA) * MEDIAN_MS * MEDIAN_MS * Math.exp(SIGMA * SIGMA);
        double[] cpuMs = new double[2];
        long[] requests = new long[2];
        for (int s = 1; s <= horizonSeconds; s++) {
            double host = Math.exp(0.3 * draws.gaussian());
            long canary = draws.poisson(50);
            long stable = draws.poisson(950);
            requests[0] += canary;
            requests[1] += stable;
            cpuMs[0] += host * multiplier * sum(draws, canary, mean, variance);
            cpuMs[1] += host * sum(draws, stable, mean, variance);
            double[] perRequest = {cpuMs[0] / Math.max(1, requests[0]), cpuMs[1] / Math.max(1, requests[1])};
            MetricQuery query = (m, track, at) -> new MetricQuery.Answer.Value(
                    "canary".equals(track) ? perRequest[0] : perRequest[1]);
            Instant now = T0.plusSeconds(s);
            Instant due = analysis.nextMeasurementAt();
            if (due != null && !due.isAfter(now)) {
                analysis.tick(now, query);
                cpuMs[0] = cpuMs[1] = 0; // the next measurement looks back over its own interval
                requests[0] = requests[1] = 0;
            }
            if (MetricGate.assess(List.of(analysis), false, false).verdict() == Verdict.FAIL) {
                return s;
            }
        }
        return Double.NaN;
    }

    private static double sum(Draws draws, long n, double mean, double variance) {
        return n == 0 ? 0 : Math.max(0, n * mean + Math.sqrt(n * variance) * draws.gaussian());
    }

    /** Both rows, {@code runs} seeded runs each. */
    static Map<String, Object> report(int runs, long seed) {
        List<Outcome> bad = new ArrayList<>();
        List<Outcome> good = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            bad.add(new Outcome(run(4, 3600, seed * 1_000_003L + i), Double.NaN));
            good.add(new Outcome(run(1, 1800, (seed + 1) * 1_000_003L + i), Double.NaN));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("metric", "cpuPerRequest, relative, failureCondition 'result > 2', interval 10s");
        out.put("cpu_4x", Tally.detection(bad));
        out.put("cpu_1x_false_rollbacks", good.stream().filter(Outcome::failed).count());
        out.put("cpu_1x_runs", runs);
        return out;
    }

    /** The summary with the CPU rows' figures added, and its targets: every 4× canary caught, no good one. */
    static Map<String, Object> summarised(Map<String, Object> summary, Map<String, Object> cpu) {
        Object detected = ((Map<?, ?>) cpu.get("cpu_4x")).get("detected_fraction");
        summary.put("cpu_4x_detected_fraction", detected);
        summary.put("cpu_1x_false_rollbacks", cpu.get("cpu_1x_false_rollbacks"));
        summary.put("cpu_targets", Map.of("cpu_4x_detected_fraction", 1.0, "cpu_1x_false_rollbacks", 0));
        summary.put("targets_met", Boolean.TRUE.equals(summary.get("targets_met")) && Double.valueOf(1.0)
                .equals(detected) && Long.valueOf(0).equals(cpu.get("cpu_1x_false_rollbacks")));
        return summary;
    }
}
