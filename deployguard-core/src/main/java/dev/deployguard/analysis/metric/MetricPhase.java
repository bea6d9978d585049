package dev.deployguard.analysis.metric;

/** The phase of one measurement or of one metric, with Argo Rollouts' meanings. */
public enum MetricPhase {
    PENDING,
    RUNNING,
    SUCCESSFUL,
    FAILED,
    INCONCLUSIVE,
    ERROR;

    /** Whether this phase is final (Argo's {@code Completed()}). */
    public boolean completed() {
        return this == SUCCESSFUL || this == FAILED || this == INCONCLUSIVE || this == ERROR;
    }
}
