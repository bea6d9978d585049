package dev.deployguard.analysis.sim;

/**
 * What is wrong with the canary in a simulation: its error rate is {@code errorRatio} times stable's and its
 * latencies are {@code 1 + latencyIncrease} times stable's (a shift of the log-normal's location).
 */
public record Regression(double errorRatio, double latencyIncrease) {
    /** An A/A canary: identical to stable. */
    public static final Regression NONE = new Regression(1, 0);

    public Regression {
        if (!(errorRatio >= 0) || Double.isInfinite(errorRatio) || !(latencyIncrease > -1)) {
            throw new IllegalArgumentException("need errorRatio >= 0 and latencyIncrease > -1");
        }
    }

    public static Regression errors(double ratio) {
        return new Regression(ratio, 0);
    }

    public static Regression latency(double increase) {
        return new Regression(1, increase);
    }
}
