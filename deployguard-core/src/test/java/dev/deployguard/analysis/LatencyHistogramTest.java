package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    static final double[] BOUNDS = {10, 20, 50};

    @Test
    void quantilesInterpolateInsideTheBucketAsPrometheusDoes() {
        LatencyHistogram h = LatencyHistogram.of(BOUNDS, new long[] {50, 30, 20, 0});
        assertThat(h.quantile(0.5)).isCloseTo(10, within(1e-9));
        assertThat(h.quantile(0.65)).isCloseTo(15, within(1e-9));
        assertThat(h.quantile(0.9)).isCloseTo(35, within(1e-9));
    }

    @Test
    void aRankInTheOverflowBucketReportsTheLastBound() {
        LatencyHistogram h = LatencyHistogram.of(BOUNDS, new long[] {0, 0, 90, 10});
        assertThat(h.quantile(0.99)).isEqualTo(50);
    }

    @Test
    void emptyHistogramsHaveNoQuantileAndMergeWithAnything() {
        assertThat(LatencyHistogram.EMPTY.quantile(0.99)).isNaN();
        LatencyHistogram h = LatencyHistogram.ofLatencies(BOUNDS, new double[] {5, 15, 60});
        assertThat(LatencyHistogram.EMPTY.plus(h)).isEqualTo(h);
        assertThat(h.plus(h).counts()).containsExactly(2, 2, 0, 2);
    }

    @Test
    void differentBucketsDoNotMerge() {
        LatencyHistogram h = LatencyHistogram.ofLatencies(BOUNDS, new double[] {5});
        LatencyHistogram other = LatencyHistogram.ofLatencies(new double[] {1, 2}, new double[] {5});
        assertThatThrownBy(() -> h.plus(other)).isInstanceOf(IllegalArgumentException.class);
    }
}
