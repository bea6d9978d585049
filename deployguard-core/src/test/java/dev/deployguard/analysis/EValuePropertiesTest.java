package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

/** Properties every e-value of the judges must have, whatever the counts and shares. */
class EValuePropertiesTest {
    record Window(long canary, long stable, double share) {
    }

    @Provide
    Arbitrary<List<Window>> windows() {
        return Combinators.combine(Arbitraries.longs().between(0, 200), Arbitraries.longs().between(0, 3_000),
                Arbitraries.doubles().between(0.001, 0.999).ofScale(4)).as(Window::new).list().ofMaxSize(30);
    }

    @Property(tries = 300)
    void closedFormIsNonNegativeAndMonotone(@ForAll @IntRange(max = 5_000) int x, @ForAll @IntRange(max = 50_000) int y,
                                            @ForAll @DoubleRange(min = 0.001, max = 0.9) @Scale(4) double share,
                                            @ForAll @DoubleRange(min = 0, max = 1) double tolerance) {
        double nullShare = BetaMixture.nullShare(share, tolerance);
        double a = 100 * share;
        double b = 100 * (1 - share);
        double logE = BetaMixture.logEValue(x, y, nullShare, a, b);
        assertThat(Math.exp(logE)).isGreaterThanOrEqualTo(0);
        assertThat(logE).isNotNaN();
        assertThat(BetaMixture.logEValue(x + 1, y, nullShare, a, b)).isGreaterThanOrEqualTo(logE - 1e-9);
        assertThat(BetaMixture.logEValue(x, y + 1, nullShare, a, b)).isLessThanOrEqualTo(logE + 1e-9);
    }

    @Property(tries = 300)
    void mixturesOverMovingSharesAreNonNegativeAndMonotoneInCanaryErrors(@ForAll("windows") List<Window> windows,
                                                                      @ForAll @DoubleRange(min = 1, max = 1.5) @Scale(3)
                                                                      double boundary) {
        OneSidedMixture base = new OneSidedMixture(boundary, OneSidedMixture.Side.ABOVE, 2, 0.6);
        OneSidedMixture oneMore = new OneSidedMixture(boundary, OneSidedMixture.Side.ABOVE, 2, 0.6);
        OneSidedMixture good = new OneSidedMixture(boundary, OneSidedMixture.Side.BELOW, 1, 0.4);
        OneSidedMixture goodOneMore = new OneSidedMixture(boundary, OneSidedMixture.Side.BELOW, 1, 0.4);
        for (Window w : windows) {
            base.observe(w.canary(), w.stable(), w.share());
            oneMore.observe(w.canary(), w.stable(), w.share());
            good.observe(w.canary(), w.stable(), w.share());
            goodOneMore.observe(w.canary(), w.stable(), w.share());
        }
        oneMore.observe(1, 0, 0.3);
        goodOneMore.observe(1, 0, 0.3);
        double logE = base.logEValue();
        assertThat(logE).isNotNaN();
        assertThat(Math.exp(logE)).isGreaterThanOrEqualTo(0);
        assertThat(oneMore.logEValue()).isGreaterThanOrEqualTo(logE - 1e-9);
        // a canary event is evidence of "worse", never of "good"
        assertThat(goodOneMore.logEValue()).isLessThanOrEqualTo(good.logEValue() + 1e-9);
        assertThat(good.logEValue()).isNotNaN();
    }

    @Property(tries = 200)
    void histogramQuantilesAreOrderedAndWithinTheBuckets(@ForAll("latencies") List<Double> latencies) {
        double[] values = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        LatencyHistogram h = LatencyHistogram.ofLatencies(LatencyHistogram.PROMETHEUS_DEFAULT_BOUNDS_MILLIS, values);
        assertThat(h.total()).isEqualTo(values.length);
        double p50 = h.quantile(0.5);
        double p99 = h.quantile(0.99);
        assertThat(p99).isGreaterThanOrEqualTo(p50);
        assertThat(p99).isBetween(0.0, 10_000.0);
    }

    @Provide
    Arbitrary<List<Double>> latencies() {
        return Arbitraries.doubles().between(0, 20_000).list().ofMinSize(1).ofMaxSize(200);
    }
}
