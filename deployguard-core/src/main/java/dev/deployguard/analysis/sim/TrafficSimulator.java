package dev.deployguard.analysis.sim;

import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
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
 *       each pair the canary is slower with probability Φ(log(1 + increase) / (σ·√2)) — exact for independent
 *       log-normal latencies — so the number of "canary slower" pairs is binomial.</li>
 * </ul>
 */
public final class TrafficSimulator {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private final TrafficModel model;
    private final Regression regression;
    private final Bursts bursts;
    private final Draws draws;
    private final double phase;
    private final double windowSeconds;
    private final double logMedian;
    private final double pCanarySlower;
    private final double[] stableMoments;
    private final double[] canaryMoments;
    private final double[] canaryBucketProbabilities;
    private final double[] bounds;
    private Instant start;
    private double elapsedSeconds;
    private double burstEndsAt = Double.NEGATIVE_INFINITY;
    private double nextBurstAt;

    public TrafficSimulator(TrafficModel model, Regression regression, Bursts bursts, long seed) {
        this.model = model;
        this.regression = regression;
        this.bursts = bursts;
        this.draws = new Draws(seed);
        this.phase = 2 * Math.PI * draws.uniform();
        this.windowSeconds = model.window().toNanos() / 1e9;
        this.logMedian = Math.log(model.latencyMedianMillis());
        double shift = Math.log1p(regression.latencyIncrease());
        this.pCanarySlower = NORMAL.cumulativeProbability(shift / (model.latencySigma() * Math.sqrt(2)));
        this.stableMoments = logNormalMoments(logMedian, model.latencySigma());
        this.canaryMoments = logNormalMoments(logMedian + shift, model.latencySigma());
        this.bounds = model.histogramBoundsMillis();
        this.canaryBucketProbabilities = bucketProbabilities(bounds, logMedian + shift, model.latencySigma());
        this.start = Instant.EPOCH;
        this.nextBurstAt = bursts.any() ? draws.exponential(bursts.meanGapSeconds()) : Double.POSITIVE_INFINITY;
    }

    /** The next window of traffic. */
    public WindowObservation next() {
        Instant end = start.plus(model.window());
        double mid = elapsedSeconds + windowSeconds / 2;
        double rate = model.requestsPerSecond()
                * (1 + model.diurnalAmplitude() * Math.sin(2 * Math.PI * mid / model.diurnalPeriod().toSeconds() + phase));
        double multiplier = burstMultiplier(mid);
        long canaryRequests = draws.poisson(rate * windowSeconds * model.canaryShare());
        long stableRequests = draws.poisson(rate * windowSeconds * (1 - model.canaryShare()));
        double stableErrorRate = Math.min(1, model.errorRate() * multiplier);
        double canaryErrorRate = Math.min(1, model.errorRate() * regression.errorRatio() * multiplier);
        long canaryErrors = draws.binomial(canaryRequests, canaryErrorRate);
        long stableErrors = draws.binomial(stableRequests, stableErrorRate);

        TrackWindow stable = new TrackWindow(stableRequests, stableErrors, latencySum(stableRequests, stableMoments),
                LatencyHistogram.EMPTY);
        LatencyHistogram histogram = bounds.length == 0 ? LatencyHistogram.EMPTY
                : LatencyHistogram.of(bounds, draws.multinomial(canaryRequests, canaryBucketProbabilities));
        TrackWindow canary = new TrackWindow(canaryRequests, canaryErrors, latencySum(canaryRequests, canaryMoments),
                histogram);
        long pairs = Math.min(canaryRequests - canaryErrors, stableRequests - stableErrors);
        long slower = draws.binomial(pairs, pCanarySlower);
        WindowObservation window = WindowObservation.measured(start, end, stable, canary,
                new LatencyPairs(slower, pairs - slower));
        start = end;
        elapsedSeconds += windowSeconds;
        return window;
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
        double sum = n * moments[0] + Math.sqrt(n * moments[1]) * draws.gaussian();
        return Math.max(0, sum);
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
