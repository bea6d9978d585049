package dev.deployguard.bench.detection;

import dev.deployguard.analysis.sim.Bursts;
import dev.deployguard.analysis.sim.Regression;

/**
 * Simulated traffic of one benchmark row: what is wrong with the canary, whether errors come in bursts, how long a
 * run lasts and how many seeded runs there are.
 */
record Scenario(String name, Regression regression, Bursts bursts, int horizonSeconds, int runs, long seed) {
    boolean isAa() {
        return regression.equals(Regression.NONE);
    }
}
