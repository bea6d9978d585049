package dev.deployguard.server.deploy;

import dev.deployguard.rollout.Observation;

/** One running analysis of a rollout: fed each interval's totals, answers with a verdict and its evidence. */
public interface CanaryAnalysis {
    Observation observe(WindowTotals totals);
}
