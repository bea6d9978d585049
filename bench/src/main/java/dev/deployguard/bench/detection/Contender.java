package dev.deployguard.bench.detection;

import dev.deployguard.analysis.JudgeConfig;

/**
 * One judge configuration in the benchmark.
 *
 * @param name the key in the JSON output
 * @param config the judge's settings
 * @param watchesAfterPass whether the judge keeps judging after PASS (DeployGuard's bake): then an A/A rollback
 *                         at any time in the run counts as false; the baselines stop where their tools stop
 */
record Contender(String name, JudgeConfig config, boolean watchesAfterPass) {
}
