package dev.deployguard.bench.detection;

import dev.deployguard.analysis.sim.Bursts;
import dev.deployguard.analysis.sim.Regression;
import dev.deployguard.analysis.sim.TrafficModel;
import dev.deployguard.analysis.sim.TrafficSimulator;

/**
 * Simulated traffic of one benchmark row: what is wrong with the canary, whether errors come in bursts, how long a
 * run lasts and how many seeded runs there are; optionally a cold start (the canary {@code coldIncrease} slower for
 * its first {@code coldSeconds}) and a metrics-provider outage between two times, whose traffic the first window
 * after it catches up (as the rollout runner reads its sources) unless {@code outageLosesData}.
 */
record Scenario(String name, Regression regression, Bursts bursts, int horizonSeconds, int runs, long seed,
                double coldSeconds, double coldIncrease, double outageFrom, double outageTo,
                boolean outageLosesData) {
    Scenario(String name, Regression regression, Bursts bursts, int horizonSeconds, int runs, long seed) {
        this(name, regression, bursts, horizonSeconds, runs, seed, 0, 0, Double.NaN, Double.NaN, false);
    }

    /** A good canary: every rollback is a false one. */
    boolean isAa() {
        return regression.equals(Regression.NONE);
    }

    TrafficSimulator simulator(TrafficModel traffic, long runSeed) {
        TrafficSimulator simulator = new TrafficSimulator(traffic, regression, bursts, runSeed);
        if (coldSeconds > 0) {
            simulator.coldStart(coldSeconds, coldIncrease);
        }
        if (!Double.isNaN(outageFrom) && outageLosesData) {
            simulator.outageLosingData(outageFrom, outageTo);
        } else if (!Double.isNaN(outageFrom)) {
            simulator.outage(outageFrom, outageTo);
        }
        return simulator;
    }
}
