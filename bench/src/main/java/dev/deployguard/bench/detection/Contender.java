package dev.deployguard.bench.detection;

import dev.deployguard.analysis.Judge;
import java.util.function.Function;

/**
 * One judge configuration in the benchmark.
 *
 * @param name the key in the JSON output
 * @param settings what the JSON reports as its settings
 * @param judges a new judge for a run of a scenario (the oracle knows the scenario's regression)
 * @param watchesAfterPass whether the judge keeps judging after PASS (DeployGuard's bake): then an A/A rollback
 *                         at any time in the run counts as false; the baselines stop where their tools stop
 */
record Contender(String name, Object settings, Function<Scenario, Judge> judges, boolean watchesAfterPass) {
}
