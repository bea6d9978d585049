package dev.deployguard.analysis.sim;

import dev.deployguard.analysis.LatencyComparison;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.SequentialConfig;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.time.Duration;
import java.time.Instant;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Simulated canary traffic, one aggregated window at a time, from a seed: the same seed gives the same windows,
 * so several judges can be run side by side on identical traffic.
 *
 * <p>Per window, nothing is drawn per request:
 * <ul>
 *   <li>requests per track are independent Poisson counts with mean rate(t) · window · share (a Poisson process
 *       split by the router); the reported canary share is the realised one;</li>
 *   <li>errors are binomial given the requests, with stable's rate times the burst multiplier, and the canary's
 *       times the regression's ratio as well;</li>
 *   <li>latencies are log-normal: the canary's log-location is shifted by log(1 + increase). A track's latency sum
 *       is drawn from the normal approximation of a sum of n log-normals (mean n·m, variance n·v); the canary's
 *       histogram is a multinomial draw over the buckets' log-normal probabilities;</li>
 *   <li>latency pairs: each successful request of the sparser track is paired with one of the other track, and in
 *       each pair the canary counts as slower (beyond the judge's {@link LatencyComparison}) with the exact
 *       probability for independent log-normal latencies (a one-dimensional integral, computed once), so the
 *       number of "canary slower" pairs is binomial;</li>
 *   <li>optionally a cold start (the canary slower by another factor for its first seconds, as a cold JVM is) and
 *       a metrics-provider outage (windows the source could not measure). By default the outage's traffic is caught
 *       up by the first window after it, as DeployGuard's metric path does: the rollout runner asks again from the
 *       end of its last measured window, the router keeps its one-second windows for minutes and Prometheus'
 *       counters are cumulative, so that window covers the whole gap. {@link #outageLosingData} drops it instead
 *       (a provider that never recorded the gap).</li>
 * </ul>
 */
public final class TrafficSimulator {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private final TrafficModel model;
    private final Regression regression;
    private final Bursts bursts;
    private final Draws draws;
    private final Draws latencyDraws;
    private final double phase;
    private final double windowSeconds;
    private final double logMedian;
    private final double pCanarySlower;
    private final LatencyComparison comparison;
    private double coldUntilSeconds;
    private double pColdSlower;
    private double[] coldMoments;
    private double outageFrom = Double.POSITIVE_INFINITY;
    private double outageTo = Double.POSITIVE_INFINITY;
    private boolean outageCatchesUp = true;
    /** The traffic withheld during an outage, caught up by the first window after it; null when none is. */
    private WindowObservation withheld;
    private final double[] stableMoments;
    private final double[] canaryMoments;
    private final double[] canaryBucketProbabilities;
    private final double[] bounds;
    private Instant start;
    private double elapsedSeconds;
    private double burstEndsAt = Double.NEGATIVE_INFINITY;
    private double nextBurstAt;

    /** Latency pairs counted with the default judge's comparison. */
    public TrafficSimulator(TrafficModel model, Regression regression, Bursts bursts, long seed) {
        this(model, regression, bursts, seed, SequentialConfig.defaults().latency());
    }

    public TrafficSimulator(TrafficModel model, Regression regression, Bursts bursts, long seed,
                            LatencyComparison comparison) {
        this.model = model;
        this.comparison = comparison;
        this.regression = regression;
        this.bursts = bursts;
        this.draws = new Draws(seed);
        this.latencyDraws = new Draws(seed ^ 0x5DEECE66DL);
        this.phase = 2 * Math.PI * draws.uniform();
        this.windowSeconds = model.window().toNanos() / 1e9;
        this.logMedian = Math.log(model.latencyMedianMillis());
        double shift = Math.log1p(regression.latencyIncrease());
        this.pCanarySlower = slowerProbability(shift);
        this.stableMoments = logNormalMoments(logMedian, model.latencySigma());
        this.canaryMoments = logNormalMoments(logMedian + shift, model.latencySigma());
        this.bounds = model.histogramBoundsMillis();
        this.canaryBucketProbabilities = bucketProbabilities(bounds, logMedian + shift, model.latencySigma());
        this.start = Instant.EPOCH;
        this.nextBurstAt = bursts.any() ? draws.exponential(bursts.meanGapSeconds()) : Double.POSITIVE_INFINITY;
    }

    /**
     * A cold start: for its first {@code seconds} the canary's latencies are another {@code 1 + increase} times
     * higher (on top of the regression). Call before the first window.
     */
    public TrafficSimulator coldStart(double seconds, double increase) {
        double shift = Math.log1p(regression.latencyIncrease()) + Math.log1p(increase);
        this.coldUntilSeconds = seconds;
        this.pColdSlower = slowerProbability(shift);
        this.coldMoments = logNormalMoments(logMedian + shift, model.latencySigma());
        return this;
    }

    /**
     * A metrics-provider outage: windows between the two times (seconds since the start) are missing, and the first
     * window after the outage covers the whole gap (its traffic was kept where it was counted and is read then).
     */
    public TrafficSimulator outage(double fromSeconds, double toSeconds) {
        this.outageFrom = fromSeconds;
        this.outageTo = toSeconds;
        this.outageCatchesUp = true;
        return this;
    }

    /** An outage whose traffic is never measured: its windows are missing and nothing catches them up. */
    public TrafficSimulator outageLosingData(double fromSeconds, double toSeconds) {
        outage(fromSeconds, toSeconds);
        this.outageCatchesUp = false;
        return this;
    }

    /** The next window of traffic. */
    public WindowObservation next() {
        Instant end = start.plus(model.window());
        double mid = elapsedSeconds + windowSeconds / 2;
        boolean cold = mid < coldUntilSeconds;
        double rate = model.requestsPerSecond()
                * (1 + model.diurnalAmplitude() * Math.sin(2 * Math.PI * mid / model.diurnalPeriod().toSeconds() + phase));
        double multiplier = burstMultiplier(mid);
        // Latencies draw from their own stream: a cold start changes latencies only, and the same seed with and
        // without it gives the same requests and errors (the benchmark compares such twins).
        long canaryRequests = draws.poisson(rate * windowSeconds * model.canaryShare());
        long stableRequests = draws.poisson(rate * windowSeconds * (1 - model.canaryShare()));
        double stableErrorRate = Math.min(1, model.errorRate() * multiplier);
        double canaryErrorRate = Math.min(1, model.errorRate() * regression.errorRatio() * multiplier);
        long canaryErrors = draws.binomial(canaryRequests, canaryErrorRate);
        long stableErrors = draws.binomial(stableRequests, stableErrorRate);

        TrackWindow stable = new TrackWindow(stableRequests, stableErrors, latencySum(stableRequests, stableMoments),
                LatencyHistogram.EMPTY);
        LatencyHistogram histogram = bounds.length == 0 ? LatencyHistogram.EMPTY
                : LatencyHistogram.of(bounds, latencyDraws.multinomial(canaryRequests, canaryBucketProbabilities));
        TrackWindow canary = new TrackWindow(canaryRequests, canaryErrors,
                latencySum(canaryRequests, cold ? coldMoments : canaryMoments),
                histogram);
        long pairs = Math.min(canaryRequests - canaryErrors, stableRequests - stableErrors);
        long slower = latencyDraws.binomial(pairs, cold ? pColdSlower : pCanarySlower);
        WindowObservation window = WindowObservation.measured(start, end, stable, canary,
                new LatencyPairs(slower, pairs - slower));
        if (mid >= outageFrom && mid < outageTo) {
            // drawn all the same, so the windows after the outage are those of the same seed without it
            if (outageCatchesUp) {
                withheld = withheld == null ? window : joined(withheld, window);
            }
            window = WindowObservation.missing(start, end, "metrics provider unavailable");
        } else if (withheld != null) {
            window = joined(withheld, window);
            withheld = null;
        }
        start = end;
        elapsedSeconds += windowSeconds;
        return window;
    }

    /** One window covering two consecutive ones; its canary share is the realised share of both together. */
    private static WindowObservation joined(WindowObservation first, WindowObservation second) {
        return WindowObservation.measured(first.start(), second.end(), first.stable().plus(second.stable()),
                first.canary().plus(second.canary()), first.pairs().plus(second.pairs()));
    }

    public TrafficModel model() {
        return model;
    }

    private double burstMultiplier(double t) {
        if (!bursts.any()) {
            return 1;
        }
        while (t >= nextBurstAt) {
            burstEndsAt = Math.max(burstEndsAt, nextBurstAt + draws.exponential(bursts.meanDurationSeconds()));
            nextBurstAt += draws.exponential(bursts.meanGapSeconds());
        }
        return t < burstEndsAt ? bursts.errorMultiplier() : 1;
    }

    private double latencySum(long n, double[] moments) {
        if (n == 0) {
            return 0;
        }
        double sum = n * moments[0] + Math.sqrt(n * moments[1]) * latencyDraws.gaussian();
        return Math.max(0, sum);
    }

    /**
     * P(C > (1 + tolerance)·S + indifference) for independent log-normal S (stable) and C (canary, log-location
     * shifted by {@code shift}): the integral over S's standard normal z of the canary's upper tail, by the
     * trapezoid rule on [-9, 9] (the integrand is smooth and the normal weight negligible beyond).
     */
    private double slowerProbability(double shift) {
        return slowerProbability(model, comparison, shift);
    }

    /**
     * The probability that a canary request counts as slower than its stable pair under {@code comparison}, for
     * the model's log-normal latencies and a canary whose log-location is shifted by {@code shift}.
     */
    public static double slowerProbability(TrafficModel model, LatencyComparison comparison, double shift) {
        double sigma = model.latencySigma();
        double logMedian = Math.log(model.latencyMedianMillis());
        int n = 3_600;
        double h = 18.0 / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double z = -9 + i * h;
            double stable = Math.exp(logMedian + sigma * z);
            double bound = comparison.bound(stable);
            double tail = 1 - NORMAL.cumulativeProbability((Math.log(bound) - logMedian - shift) / sigma);
            double weight = (i == 0 || i == n ? 0.5 : 1) * Math.exp(-0.5 * z * z);
            sum += weight * tail;
        }
        return sum * h / Math.sqrt(2 * Math.PI);
    }

    /** Mean and variance of a log-normal with log-location mu and log-scale sigma. */
    private static double[] logNormalMoments(double mu, double sigma) {
        double mean = Math.exp(mu + sigma * sigma / 2);
        double variance = Math.expm1(sigma * sigma) * Math.exp(2 * mu + sigma * sigma);
        return new double[] {mean, variance};
    }

    private static double[] bucketProbabilities(double[] bounds, double mu, double sigma) {
        double[] p = new double[bounds.length + 1];
        double below = 0;
        for (int i = 0; i < bounds.length; i++) {
            double cdf = NORMAL.cumulativeProbability((Math.log(bounds[i]) - mu) / sigma);
            p[i] = cdf - below;
            below = cdf;
        }
        p[bounds.length] = 1 - below;
        return p;
    }

    /** How long the simulation has run. */
    public Duration elapsed() {
        return Duration.ofNanos((long) (elapsedSeconds * 1e9));
    }
}
