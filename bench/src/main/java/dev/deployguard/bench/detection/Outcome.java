package dev.deployguard.bench.detection;

/**
 * When a judge first failed and first passed in one run, in seconds since the canary started (NaN: never).
 * {@code failedBeforePass} tells a rollback during the rollout from one during a bake.
 */
record Outcome(double failSeconds, double passSeconds) {
    static final Outcome NONE = new Outcome(Double.NaN, Double.NaN);

    boolean failed() {
        return !Double.isNaN(failSeconds);
    }

    boolean passed() {
        return !Double.isNaN(passSeconds);
    }

    boolean failedBeforePass() {
        return failed() && (!passed() || failSeconds < passSeconds);
    }

    boolean passedBeforeFail() {
        return passed() && (!failed() || passSeconds < failSeconds);
    }
}
