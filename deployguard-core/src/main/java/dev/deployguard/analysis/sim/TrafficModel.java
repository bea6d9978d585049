package dev.deployguard.analysis.sim;

import dev.deployguard.analysis.LatencyHistogram;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The traffic a simulation produces: Poisson arrivals whose rate follows a diurnal sinusoid (random phase per run),
 * split between stable and canary, Bernoulli errors, log-normal latencies, cut into windows.
 *
 * @param requestsPerSecond mean arrival rate over a day
 * @param diurnalAmplitude relative swing of the rate (0.3 = ±30%)
 * @param diurnalPeriod period of the swing (a day)
 * @param canaryShare the router's weight for the canary (the actual share per window varies around it)
 * @param errorRate stable's error probability per request
 * @param latencyMedianMillis stable's median latency
 * @param latencySigma the log-normal's sigma (spread of log latency)
 * @param window length of one observation window
 * @param histogramBoundsMillis bucket bounds of the canary's latency histogram; empty for none
 */
public record TrafficModel(double requestsPerSecond, double diurnalAmplitude, Duration diurnalPeriod,
                           double canaryShare, double errorRate, double latencyMedianMillis, double latencySigma,
                           Duration window, double[] histogramBoundsMillis) {
    public TrafficModel {
        Objects.requireNonNull(diurnalPeriod, "diurnalPeriod");
        Objects.requireNonNull(window, "window");
        histogramBoundsMillis = histogramBoundsMillis.clone();
        if (!(requestsPerSecond > 0) || !(diurnalAmplitude >= 0 && diurnalAmplitude < 1)
                || !(canaryShare > 0 && canaryShare < 1) || !(errorRate >= 0 && errorRate <= 1)
                || !(latencyMedianMillis > 0) || !(latencySigma > 0)) {
            throw new IllegalArgumentException("traffic model out of range");
        }
        if (window.isZero() || window.isNegative() || diurnalPeriod.isZero() || diurnalPeriod.isNegative()) {
            throw new IllegalArgumentException("window and period must be positive");
        }
    }

    /**
     * The benchmark's scenario: 1,000 requests/s (±30% over a day), 5% canary, 1% errors, latency median 50 ms with
     * sigma 0.5 (p99 ≈ 160 ms), one-second windows, Prometheus' default buckets.
     */
    public static TrafficModel benchmark() {
        return new TrafficModel(1000, 0.3, Duration.ofDays(1), 0.05, 0.01, 50, 0.5, Duration.ofSeconds(1),
                LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS);
    }

    public TrafficModel withWindow(Duration value) {
        return new TrafficModel(requestsPerSecond, diurnalAmplitude, diurnalPeriod, canaryShare, errorRate,
                latencyMedianMillis, latencySigma, value, histogramBoundsMillis);
    }

    public TrafficModel withRate(double value) {
        return new TrafficModel(value, diurnalAmplitude, diurnalPeriod, canaryShare, errorRate, latencyMedianMillis,
                latencySigma, window, histogramBoundsMillis);
    }

    public TrafficModel withCanaryShare(double value) {
        return new TrafficModel(requestsPerSecond, diurnalAmplitude, diurnalPeriod, value, errorRate,
                latencyMedianMillis, latencySigma, window, histogramBoundsMillis);
    }

    public TrafficModel withErrorRate(double value) {
        return new TrafficModel(requestsPerSecond, diurnalAmplitude, diurnalPeriod, canaryShare, value,
                latencyMedianMillis, latencySigma, window, histogramBoundsMillis);
    }

    public TrafficModel withoutHistograms() {
        return new TrafficModel(requestsPerSecond, diurnalAmplitude, diurnalPeriod, canaryShare, errorRate,
                latencyMedianMillis, latencySigma, window, new double[0]);
    }

    @Override
    public double[] histogramBoundsMillis() {
        return histogramBoundsMillis.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrafficModel m && requestsPerSecond == m.requestsPerSecond
                && diurnalAmplitude == m.diurnalAmplitude && diurnalPeriod.equals(m.diurnalPeriod)
                && canaryShare == m.canaryShare && errorRate == m.errorRate
                && latencyMedianMillis == m.latencyMedianMillis && latencySigma == m.latencySigma
                && window.equals(m.window) && Arrays.equals(histogramBoundsMillis, m.histogramBoundsMillis);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestsPerSecond, diurnalAmplitude, diurnalPeriod, canaryShare, errorRate,
                latencyMedianMillis, latencySigma, window) * 31 + Arrays.hashCode(histogramBoundsMillis);
    }

    @Override
    public String toString() {
        return String.format("TrafficModel[%.0f req/s ±%.0f%%, canary %.2f%%, errors %.2f%%, latency median %.0f ms"
                        + " sigma %.2f, window %s]", requestsPerSecond, 100 * diurnalAmplitude, 100 * canaryShare,
                100 * errorRate, latencyMedianMillis, latencySigma, window);
    }
}
