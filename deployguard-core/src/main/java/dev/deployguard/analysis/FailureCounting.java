package dev.deployguard.analysis;

/** How a threshold judge counts failed checks toward a rollback. */
public enum FailureCounting {
    /**
     * Failed checks since the analysis began, as Flagger's {@code threshold} and Argo Rollouts' {@code failureLimit}
     * count them (a passing check does not reset the count).
     */
    TOTAL,
    /** Failed checks in a row; a passing check resets the count. */
    CONSECUTIVE,
    /** At least {@code threshold} failed among the last {@code window} conclusive checks. */
    K_OF_N
}
