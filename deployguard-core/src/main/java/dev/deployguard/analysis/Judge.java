package dev.deployguard.analysis;

/**
 * A pure function of the windows seen so far: each window of stable and canary traffic is folded into the judge's
 * evidence, and the judge answers with a verdict that explains itself. One instance judges one analysis (make a
 * new one with {@link JudgeConfig#newJudge()}); it does no I/O and reads no clock, so it can be replayed on
 * recorded windows and benchmarked on simulated ones.
 */
public interface Judge {
    /** {@code sequential}, {@code threshold} or {@code mannWhitney}. */
    String name();

    /**
     * Folds in the next window (windows come in time order, aligned between the tracks) and returns the verdict so
     * far without building its explanation; for callers that only need the decision, like benchmarks.
     */
    Verdict update(WindowObservation window);

    /**
     * The verdict so far with its evidence and reason.
     *
     * @throws IllegalStateException before the first window
     */
    Judgement judgement();

    /**
     * Folds in one measurement of a relative custom metric, taken at or after the windows observed so far. Only
     * {@code mannWhitney} judges custom metrics itself (as Kayenta classifies every metric of its canary config);
     * the others leave them to the metrics' own conditions and ignore this.
     */
    default void observeMetric(MetricSample sample) {
    }

    /** Folds in the next window and returns the verdict with its evidence. */
    default Judgement observe(WindowObservation window) {
        update(window);
        return judgement();
    }
}
