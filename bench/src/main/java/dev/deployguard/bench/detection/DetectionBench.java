package dev.deployguard.bench.detection;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deployguard.analysis.FailureCounting;
import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.MannWhitneyConfig;
import dev.deployguard.analysis.SequentialConfig;
import dev.deployguard.analysis.ThresholdConfig;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.analysis.sim.Bursts;
import dev.deployguard.analysis.sim.Regression;
import dev.deployguard.analysis.sim.TrafficModel;
import dev.deployguard.analysis.sim.TrafficSimulator;
import dev.deployguard.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench/run detection [--json] [--quick] [--threads N] [--seed S]}: runs the sequential, threshold (Flagger
 * defaults) and Mann-Whitney (Kayenta defaults) judges and the oracle SPRT side by side on the same simulated traffic and prints one JSON document:
 * per judge the A/A false-rollback rate, the time to roll back error-rate and latency regressions, and the time to
 * promote a good canary; a bursty-errors stress row; baseline variants; and the configuration with the number of
 * runs behind every figure. Progress goes to stderr.
 */
public final class DetectionBench {
    private static final int AA_HORIZON_SECONDS = 2 * 3600;
    private static final int REGRESSION_HORIZON_SECONDS = 3600;
    private static final int GOOD_HORIZON_SECONDS = 1800;
    /** Stress case: bursts every 5 minutes on average, lasting 20 s on average, with 10× the error rate. */
    private static final Bursts STRESS = new Bursts(300, 20, 10);

    private DetectionBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int threads = Runtime.getRuntime().availableProcessors();
        long seed = 20_240_601L;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--json" -> {
                    // the output is always one JSON document; accepted so the documented command works as written
                }
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("usage: bench/run detection [--json] [--quick] [--threads N] [--seed S]");
                    System.exit(2);
                }
            }
        }
        int aaRuns = quick ? 200 : 1000;
        int regressionRuns = quick ? 60 : 300;
        int stressAaRuns = quick ? 100 : 400;
        int stressRegressionRuns = quick ? 50 : 200;

        TrafficModel traffic = TrafficModel.benchmark();
        SequentialConfig sequential = SequentialConfig.defaults();
        List<Contender> judges = List.of(
                contender("sequential", sequential, true),
                contender("threshold", ThresholdConfig.flaggerDefaults(), false),
                contender("mannWhitney", MannWhitneyConfig.defaults(), false));
        List<Contender> variants = List.of(
                contender("threshold_consecutive",
                        ThresholdConfig.flaggerDefaults().withCounting(FailureCounting.CONSECUTIVE, 5, 5), false),
                contender("threshold_min_success_98", ThresholdConfig.flaggerDefaults().withMinSuccessRate(98),
                        false),
                contender("mannWhitney_single_judgement", MannWhitneyConfig.defaults()
                        .withSchedule(Duration.ofHours(1), Duration.ofHours(1)), false));
        double oracleNull = 1 + sequential.errorTolerance();
        Contender oracle = new Contender("oracle_sprt", Map.of("null_ratio", oracleNull, "alpha", sequential.alpha(),
                "alternative", "the scenario's true error ratio (2 in the A/A rows)"),
                scenario -> new OracleSprt(oracleNull,
                        scenario.regression().errorRatio() > oracleNull ? scenario.regression().errorRatio() : 2,
                        sequential.alpha()), false);
        List<Contender> all = new ArrayList<>(judges);
        all.addAll(variants);
        all.add(oracle);

        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("aa", new Scenario("aa", Regression.NONE, Bursts.NONE, AA_HORIZON_SECONDS, aaRuns, seed));
        scenarios.put("errors_1.5x", regression("errors_1.5x", Regression.errors(1.5), regressionRuns, seed + 1));
        scenarios.put("errors_2x", regression("errors_2x", Regression.errors(2), regressionRuns, seed + 2));
        scenarios.put("errors_3x", regression("errors_3x", Regression.errors(3), regressionRuns, seed + 3));
        scenarios.put("latency_1.5x", regression("latency_1.5x", Regression.latency(0.5), regressionRuns, seed + 4));
        scenarios.put("latency_2x", regression("latency_2x", Regression.latency(1.0), regressionRuns, seed + 5));
        Map<String, Scenario> good = new LinkedHashMap<>();
        good.put("cold_start", new Scenario("cold_start", Regression.NONE, Bursts.NONE, GOOD_HORIZON_SECONDS,
                regressionRuns, seed + 8, 60, 1.0, Double.NaN, Double.NaN, false));
        good.put("provider_outage", new Scenario("provider_outage", Regression.NONE, Bursts.NONE,
                GOOD_HORIZON_SECONDS, regressionRuns, seed + 9, 0, 0, 30, 150, false));
        // Not a target: a provider that never recorded the gap (e.g. Prometheus itself down, its scrapes lost). The
        // run judges less data than its twin, so it is another valid test of the same canary, with its own A/A rate.
        good.put("provider_outage_data_lost", new Scenario("provider_outage_data_lost", Regression.NONE, Bursts.NONE,
                GOOD_HORIZON_SECONDS, regressionRuns, seed + 9, 0, 0, 30, 150, true));
        Scenario stressAa = new Scenario("stress_aa", Regression.NONE, STRESS, AA_HORIZON_SECONDS, stressAaRuns,
                seed + 6);
        Scenario stressErrors = new Scenario("stress_errors_2x", Regression.errors(2), STRESS,
                REGRESSION_HORIZON_SECONDS, stressRegressionRuns, seed + 7);

        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Map<String, List<Outcome[]>> results = new LinkedHashMap<>();
        try {
            for (Scenario scenario : scenarios.values()) {
                results.put(scenario.name(), run(pool, traffic, scenario, all));
            }
            for (Scenario scenario : good.values()) {
                results.put(scenario.name(), run(pool, traffic, scenario, all));
                // the same seeds without the cold start or the outage: rollbacks that happen only with it are
                // the ones it caused (a good canary is still rolled back at the A/A rate, with or without it)
                Scenario twin = new Scenario(scenario.name() + "_twin", Regression.NONE, Bursts.NONE,
                        scenario.horizonSeconds(), scenario.runs(), scenario.seed());
                results.put(twin.name(), run(pool, traffic, twin, all));
            }
            results.put(stressAa.name(), run(pool, traffic, stressAa, judges));
            results.put(stressErrors.name(), run(pool, traffic, stressErrors, judges));
        } finally {
            pool.shutdownNow();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;

        Map<String, Object> cpu = CpuRow.report(regressionRuns, seed + 10);
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("summary", CpuRow.summarised(summary(sequential, all, results), cpu));
        document.put("cpu", cpu);
        document.put("judges", report(judges, all, scenarios, good, results));
        document.put("oracle", oracleReport(oracle, all, scenarios, results));
        document.put("variants", report(variants, all, scenarios, good, results));
        Map<String, Object> stress = new LinkedHashMap<>();
        stress.put("bursts", Map.of("mean_gap_seconds", STRESS.meanGapSeconds(),
                "mean_duration_seconds", STRESS.meanDurationSeconds(), "error_multiplier", STRESS.errorMultiplier(),
                "affects", "both tracks at once"));
        Map<String, Object> stressJudges = new LinkedHashMap<>();
        for (int j = 0; j < judges.size(); j++) {
            Contender judge = judges.get(j);
            Map<String, Object> row = new LinkedHashMap<>();
            List<Outcome> aa = column(results.get(stressAa.name()), j);
            row.put("aa_false_rollback_rate", Tally.falseRollbacks(aa, judge.watchesAfterPass()).get("rate"));
            row.put("aa_false_rollback", Tally.falseRollbacks(aa, judge.watchesAfterPass()));
            row.put("detect_seconds", Map.of("errors_2x", Tally.detection(column(results.get(stressErrors.name()), j))));
            row.put("promote_seconds", Tally.promotion(aa));
            stressJudges.put(judge.name(), row);
        }
        stress.put("judges", stressJudges);
        document.put("stress_bursty", stress);
        document.put("config", config(quick, threads, seed, traffic, all, scenarios, good, stressAa, stressErrors,
                elapsed));

        System.out.println(Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(document));
        System.err.printf("detection: done in %.0f s%n", elapsed);
    }

    private static Scenario regression(String name, Regression regression, int runs, long seed) {
        return new Scenario(name, regression, Bursts.NONE, REGRESSION_HORIZON_SECONDS, runs, seed);
    }

    private static Contender contender(String name, dev.deployguard.analysis.JudgeConfig config, boolean watches) {
        return new Contender(name, config, scenario -> config.newJudge(), watches);
    }

    /** The figures the targets are about, next to their targets. */
    private static Map<String, Object> summary(SequentialConfig sequential, List<Contender> all,
                                               Map<String, List<Outcome[]>> results) {
        int seq = 0;
        int oracle = all.size() - 1;
        Map<String, Object> out = new LinkedHashMap<>();
        Object twoX = Tally.detection(column(results.get("errors_2x"), seq)).get("median");
        Object oracleTwoX = Tally.detection(column(results.get("errors_2x"), oracle)).get("median");
        Object aa = Tally.falseRollbacks(column(results.get("aa"), seq), true).get("rate");
        Object promote = Tally.promotion(column(results.get("aa"), seq)).get("median");
        long cold = caused(column(results.get("cold_start"), seq), column(results.get("cold_start_twin"), seq), true);
        long outage = caused(column(results.get("provider_outage"), seq),
                column(results.get("provider_outage_twin"), seq), true);
        out.put("sequential_errors_2x_median_seconds", twoX);
        out.put("oracle_sprt_errors_2x_median_seconds", oracleTwoX);
        out.put("sequential_aa_false_rollback_rate", aa);
        out.put("sequential_promote_median_seconds", promote);
        out.put("sequential_cold_start_rollbacks_caused", cold);
        out.put("sequential_provider_outage_rollbacks_caused", outage);
        out.put("sequential_provider_outage_data_lost_rollbacks_caused_not_a_target",
                caused(column(results.get("provider_outage_data_lost"), seq),
                        column(results.get("provider_outage_data_lost_twin"), seq), true));
        out.put("targets", Map.of("errors_2x_median_seconds", 30, "aa_false_rollback_rate", sequential.alpha(),
                "promote_median_seconds", 120, "cold_start_rollbacks_caused", 0, "provider_outage_rollbacks_caused", 0));
        out.put("targets_met", twoX instanceof Double t && t <= 30 && aa instanceof Double r
                && r <= sequential.alpha() && promote instanceof Double p && p <= 120 && cold == 0 && outage == 0);
        return out;
    }

    /** The oracle's error rows and A/A rate, and how far the sequential judge is from it. */
    private static Map<String, Object> oracleReport(Contender oracle, List<Contender> all,
                                                    Map<String, Scenario> scenarios,
                                                    Map<String, List<Outcome[]>> results) {
        int j = all.indexOf(oracle);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("aa_false_rollback_rate", Tally.falseRollbacks(column(results.get("aa"), j), false).get("rate"));
        Map<String, Object> detect = new LinkedHashMap<>();
        for (Scenario scenario : scenarios.values()) {
            if (scenario.regression().errorRatio() > 1) {
                Map<String, Object> row = Tally.detection(column(results.get(scenario.name()), j));
                Object sequential = Tally.detection(column(results.get(scenario.name()), 0)).get("median");
                if (row.get("median") instanceof Double o && sequential instanceof Double s && o > 0) {
                    row.put("sequential_over_oracle", Tally.round(s / o, 2));
                }
                detect.put(scenario.name(), row);
            }
        }
        out.put("detect_seconds", detect);
        return out;
    }

    private static Map<String, Object> report(List<Contender> shown, List<Contender> all,
                                              Map<String, Scenario> scenarios, Map<String, Scenario> good,
                                              Map<String, List<Outcome[]>> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Contender judge : shown) {
            int j = all.indexOf(judge);
            List<Outcome> aa = column(results.get("aa"), j);
            Map<String, Object> row = new LinkedHashMap<>();
            Map<String, Object> falseRollbacks = Tally.falseRollbacks(aa, judge.watchesAfterPass());
            row.put("aa_false_rollback_rate", falseRollbacks.get("rate"));
            Map<String, Object> detect = new LinkedHashMap<>();
            for (Scenario scenario : scenarios.values()) {
                if (!scenario.isAa()) {
                    detect.put(scenario.name(), Tally.detection(column(results.get(scenario.name()), j)));
                }
            }
            row.put("detect_seconds", detect);
            row.put("promote_seconds", Tally.promotion(aa));
            row.put("aa_false_rollback", falseRollbacks);
            Map<String, Object> goodRows = new LinkedHashMap<>();
            for (Scenario scenario : good.values()) {
                List<Outcome> outcomes = column(results.get(scenario.name()), j);
                List<Outcome> twins = column(results.get(scenario.name() + "_twin"), j);
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("rollbacks_caused", caused(outcomes, twins, judge.watchesAfterPass()));
                g.put("rollbacks", Tally.falseRollbacks(outcomes, judge.watchesAfterPass()));
                g.put("promote_seconds", Tally.promotion(outcomes));
                goodRows.put(scenario.name(), g);
            }
            row.put("good_canaries", goodRows);
            out.put(judge.name(), row);
        }
        return out;
    }

    /** Runs rolled back with the disturbance whose twin (same seed, no disturbance) was not. */
    private static long caused(List<Outcome> disturbed, List<Outcome> twins, boolean watchesAfterPass) {
        long n = 0;
        for (int i = 0; i < disturbed.size(); i++) {
            boolean with = watchesAfterPass ? disturbed.get(i).failed() : disturbed.get(i).failedBeforePass();
            boolean without = watchesAfterPass ? twins.get(i).failed() : twins.get(i).failedBeforePass();
            n += with && !without ? 1 : 0;
        }
        return n;
    }

    private static List<Outcome> column(List<Outcome[]> runs, int judge) {
        return runs.stream().map(r -> r[judge]).toList();
    }

    /** Runs every seeded run of a scenario, all judges on the same traffic, in parallel. */
    private static List<Outcome[]> run(ExecutorService pool, TrafficModel traffic, Scenario scenario,
                                       List<Contender> judges) throws InterruptedException, ExecutionException {
        List<Future<Outcome[]>> futures = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        long started = System.nanoTime();
        for (int i = 0; i < scenario.runs(); i++) {
            long runSeed = scenario.seed() * 1_000_003L + i;
            futures.add(pool.submit(() -> {
                Outcome[] outcome = runOnce(traffic, scenario, judges, runSeed);
                int n = done.incrementAndGet();
                if (n % Math.max(1, scenario.runs() / 4) == 0 || n == scenario.runs()) {
                    System.err.printf("detection: %-16s %4d/%d runs (%.0f s)%n", scenario.name(), n, scenario.runs(),
                            (System.nanoTime() - started) / 1e9);
                }
                return outcome;
            }));
        }
        List<Outcome[]> outcomes = new ArrayList<>();
        for (Future<Outcome[]> future : futures) {
            outcomes.add(future.get());
        }
        return outcomes;
    }

    private static Outcome[] runOnce(TrafficModel traffic, Scenario scenario, List<Contender> contenders, long seed) {
        TrafficSimulator simulator = scenario.simulator(traffic, seed);
        int n = contenders.size();
        Judge[] judges = new Judge[n];
        double[] failAt = new double[n];
        double[] passAt = new double[n];
        boolean[] active = new boolean[n];
        for (int j = 0; j < n; j++) {
            judges[j] = contenders.get(j).judges().apply(scenario);
            failAt[j] = Double.NaN;
            passAt[j] = Double.NaN;
            active[j] = true;
        }
        int remaining = n;
        double windowSeconds = traffic.window().toNanos() / 1e9;
        long windows = Math.round(scenario.horizonSeconds() / windowSeconds);
        for (long w = 1; w <= windows && remaining > 0; w++) {
            WindowObservation window = simulator.next();
            double now = w * windowSeconds;
            for (int j = 0; j < n; j++) {
                if (!active[j]) {
                    continue;
                }
                Verdict verdict = judges[j].update(window);
                if (verdict == Verdict.FAIL) {
                    failAt[j] = now;
                    active[j] = false;
                } else if (verdict == Verdict.PASS && Double.isNaN(passAt[j])) {
                    passAt[j] = now;
                    // A rollout ends at promotion; only a judge that bakes keeps watching, and only a good canary's
                    // run needs it (to count late false rollbacks).
                    active[j] = contenders.get(j).watchesAfterPass() && scenario.isAa();
                }
                if (!active[j]) {
                    remaining--;
                }
            }
        }
        Outcome[] outcomes = new Outcome[n];
        for (int j = 0; j < n; j++) {
            outcomes[j] = new Outcome(failAt[j], passAt[j]);
        }
        return outcomes;
    }

    private static Map<String, Object> config(boolean quick, int threads, long seed, TrafficModel traffic,
                                              List<Contender> judges, Map<String, Scenario> scenarios,
                                              Map<String, Scenario> good, Scenario stressAa, Scenario stressErrors, double elapsed) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("quick", quick);
        config.put("seed", seed);
        config.put("threads", threads);
        config.put("elapsed_seconds", Tally.round(elapsed, 1));
        Map<String, Object> runs = new LinkedHashMap<>();
        for (Scenario scenario : scenarios.values()) {
            runs.put(scenario.name(), scenario.runs());
        }
        for (Scenario scenario : good.values()) {
            runs.put(scenario.name(), scenario.runs());
        }
        runs.put("stress_aa", stressAa.runs());
        runs.put("stress_errors_2x", stressErrors.runs());
        config.put("runs", runs);
        config.put("aa_horizon_seconds", AA_HORIZON_SECONDS);
        config.put("regression_horizon_seconds", REGRESSION_HORIZON_SECONDS);
        config.put("traffic", Map.of(
                "requests_per_second", traffic.requestsPerSecond(),
                "diurnal_amplitude", traffic.diurnalAmplitude(),
                "canary_share", traffic.canaryShare(),
                "baseline_error_rate", traffic.errorRate(),
                "latency_median_ms", traffic.latencyMedianMillis(),
                "latency_sigma", traffic.latencySigma(),
                "window_seconds", traffic.window().toNanos() / 1e9));
        Map<String, Object> settings = new LinkedHashMap<>();
        for (Contender judge : judges) {
            settings.put(judge.name(), judge.settings());
        }
        config.put("judge_settings", settings);
        config.put("protocol", List.of(
                "Every run simulates traffic from its seed; all judges see the same windows (1 s each).",
                "The canary is bad from its first request; detect_seconds = time of the first FAIL, counted only when"
                        + " it came before any PASS (a promoted bad canary is a miss); median and p90 are over the"
                        + " detected runs, detected_fraction over all runs.",
                "A/A runs last 2 h. The sequential judge keeps watching after PASS (bake), so any FAIL in the 2 h"
                        + " counts as a false rollback; threshold and mannWhitney stop when their tools stop"
                        + " (promotion or rollback). promote_seconds comes from the A/A runs.",
                "Regression runs last 1 h (Kayenta's lifetime); a judge still holding at 1 h has not detected.",
                "Good canaries under trouble last 30 min: cold_start has the canary 2x slower for its first 60 s"
                        + " (a cold JVM); provider_outage has no measurements from 30 s to 150 s and the first"
                        + " window after it covers the gap (the runner asks again from its last measured second;"
                        + " the router keeps its seconds, Prometheus its counters); provider_outage_data_lost"
                        + " never measures the gap (not a target: it judges less data). Every rollback there is a"
                        + " false one; rollbacks_caused counts those whose twin run (same seed, same requests and"
                        + " errors, no cold start or outage) was not rolled back.",
                "oracle_sprt: Wald's SPRT that knows the true error ratio in advance (the limit), same null and"
                        + " alpha as the sequential judge; only rolls back.",
                "The canary share stays at the router's 5% for all judges (Flagger's weight steps are not"
                        + " simulated; its promotion after maxWeight/stepWeight = 5 successful checks is)."));
        return config;
    }
}
