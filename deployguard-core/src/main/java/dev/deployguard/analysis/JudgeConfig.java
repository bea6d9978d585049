package dev.deployguard.analysis;

/** The settings of one kind of judge; each analysis gets a fresh judge from them. */
public sealed interface JudgeConfig permits ThresholdConfig, MannWhitneyConfig, SequentialConfig {
    /** A new judge with no evidence yet. */
    Judge newJudge();
}
