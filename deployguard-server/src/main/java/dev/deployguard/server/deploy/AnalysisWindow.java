package dev.deployguard.server.deploy;

import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Rollout;

/**
 * One analysis look of a running rollout, as the runner saw it: the rollout before the engine acted on it, the
 * window of stable and canary traffic, and the judge's verdict with its evidence. Published to listeners (the
 * dashboard's charts) after the judge has folded the window in; the runner keeps none of them.
 *
 * @param spec the analysis settings the judge was built from (alpha, tolerance, custom metrics)
 */
public record AnalysisWindow(String app, Rollout rollout, WindowObservation window, Judgement judgement,
                             AnalysisSpec spec) {
}
