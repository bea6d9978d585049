package dev.deployguard.analysis;

/** Which change of a metric counts against the canary (Kayenta's {@code direction}). */
public enum MetricDirection {
    INCREASE,
    DECREASE,
    EITHER
}
