package dev.deployguard.analysis.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class DrawsTest {
    static final int N = 20_000;

    /** Mean and variance of N draws. */
    static double[] moments(LongSupplier draw) {
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < N; i++) {
            double v = draw.getAsLong();
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / N;
        return new double[] {mean, sumSquares / N - mean * mean};
    }

    static void assertMoments(LongSupplier draw, double mean, double variance) {
        double[] m = moments(draw);
        assertThat(m[0]).isCloseTo(mean, within(5 * Math.sqrt(variance / N) + 1e-9));
        assertThat(m[1]).isCloseTo(variance, within(0.06 * variance + 1e-9));
    }

    @Test
    void poissonHasItsMeanAndVariance() {
        Draws draws = new Draws(1);
        assertMoments(() -> draws.poisson(3), 3, 3);
        assertMoments(() -> draws.poisson(47.5), 47.5, 47.5);
        assertMoments(() -> draws.poisson(1_000), 1_000, 1_000);
        assertThat(draws.poisson(0)).isZero();
    }

    @Test
    void binomialHasItsMeanAndVariance() {
        Draws draws = new Draws(2);
        assertMoments(() -> draws.binomial(50, 0.3), 15, 10.5);
        assertMoments(() -> draws.binomial(950, 0.01), 9.5, 9.405);
        assertMoments(() -> draws.binomial(100_000, 0.01), 1_000, 990);
        assertMoments(() -> draws.binomial(1_000, 0.9), 900, 90);
        assertThat(draws.binomial(10, 0)).isZero();
        assertThat(draws.binomial(10, 1)).isEqualTo(10);
    }

    @Test
    void multinomialSplitsEveryTrial() {
        Draws draws = new Draws(3);
        long[] counts = draws.multinomial(10_000, new double[] {0.2, 0.5, 0.3});
        assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(10_000);
        assertThat(counts[1]).isBetween(4_800L, 5_200L);
    }

    @Test
    void gammaAndBetaHaveTheirMeans() {
        Draws draws = new Draws(4);
        double gamma = 0;
        double beta = 0;
        for (int i = 0; i < N; i++) {
            gamma += draws.gamma(0.5);
            beta += draws.beta(2, 6);
        }
        assertThat(gamma / N).isCloseTo(0.5, within(0.03));
        assertThat(beta / N).isCloseTo(0.25, within(0.01));
    }

    @Test
    void theSameSeedDrawsTheSameNumbers() {
        Draws a = new Draws(99);
        Draws b = new Draws(99);
        for (int i = 0; i < 100; i++) {
            assertThat(a.binomial(5_000, 0.02)).isEqualTo(b.binomial(5_000, 0.02));
        }
    }
}
