package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.special.Beta;
import org.junit.jupiter.api.Test;

class BetaMixtureTest {
    /** E by direct numerical integration of the truncated Beta prior (Simpson's rule), for small counts. */
    static double directEValue(int x, int y, double nullShare, double a, double b) {
        int n = 200_000;
        double h = (1 - nullShare) / n;
        double numerator = 0;
        double mass = 0;
        for (int i = 0; i <= n; i++) {
            double q = nullShare + i * h;
            double weight = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            double prior = Math.exp((a - 1) * Math.log(q) + (b - 1) * Math.log1p(-q) - Beta.logBeta(a, b));
            if (q >= 1) {
                prior = 0;
            }
            numerator += weight * prior * Math.pow(q, x) * Math.pow(1 - q, y);
            mass += weight * prior;
        }
        return numerator / mass / (Math.pow(nullShare, x) * Math.pow(1 - nullShare, y));
    }

    @Test
    void nullShareMovesTheShareByTheTolerance() {
        assertThat(BetaMixture.nullShare(0.05, 0)).isCloseTo(0.05, within(1e-15));
        assertThat(BetaMixture.nullShare(0.05, 0.2)).isCloseTo(0.06 / 1.01, within(1e-15));
        assertThat(BetaMixture.nullShare(0.5, 0.04)).isCloseTo(1.04 / 2.04, within(1e-15));
    }

    @Test
    void closedFormMatchesDirectIntegrationForSmallCounts() {
        double rho = 0.05;
        double nullShare = BetaMixture.nullShare(rho, 0.1);
        double a = 100 * rho;
        double b = 100 * (1 - rho);
        int[][] counts = {{0, 0}, {0, 10}, {3, 20}, {7, 40}, {12, 60}, {2, 150}};
        for (int[] c : counts) {
            double closed = Math.exp(BetaMixture.logEValue(c[0], c[1], nullShare, a, b));
            double direct = directEValue(c[0], c[1], nullShare, a, b);
            assertThat(closed).as("E(%d, %d)", c[0], c[1]).isCloseTo(direct, within(1e-6 * Math.max(1, direct)));
        }
    }

    @Test
    void noEventsGiveEValueOne() {
        assertThat(BetaMixture.logEValue(0, 0, 0.3, 5, 5)).isCloseTo(0, within(1e-12));
    }

    @Test
    void largeCountsStayFinite() {
        // Two hours of a 5% canary at 1,000 req/s and 1% errors: millions of requests, tens of thousands of errors.
        double logE = BetaMixture.logEValue(3_600, 68_400, BetaMixture.nullShare(0.05, 0.1), 5, 95);
        assertThat(logE).isFinite().isLessThan(0);
        double bad = BetaMixture.logEValue(7_000, 68_400, BetaMixture.nullShare(0.05, 0.1), 5, 95);
        assertThat(bad).isFinite().isGreaterThan(100);
    }

    @Test
    void confidenceSequenceHoldsTheObservedShareAndNarrows() {
        double few = BetaMixture.upperBound(10, 90, 50, 50, 0.05);
        double many = BetaMixture.upperBound(1_000, 9_000, 50, 50, 0.05);
        assertThat(few).isGreaterThan(0.1);
        assertThat(many).isGreaterThan(0.1).isLessThan(few);
        assertThat(BetaMixture.excludesAtOrAbove(1_000, 9_000, many + 1e-3, 50, 50, 0.05)).isTrue();
        assertThat(BetaMixture.excludesAtOrAbove(1_000, 9_000, 0.1, 50, 50, 0.05)).isFalse();
    }

    @Test
    void logRegularizedBetaIsExactWhereTheTailIsTiny() {
        // I_z(p, 1) = z^p and I_z(1, q) = 1 - (1-z)^q in closed form, far below double's epsilon and near 1.
        assertThat(BetaMixture.logRegularizedBeta(0.1, 500, 1)).isCloseTo(500 * Math.log(0.1), within(1e-9));
        assertThat(BetaMixture.logRegularizedBeta(0.9, 1, 400)).isCloseTo(Math.log1p(-Math.pow(0.1, 400)), within(1e-12));
        assertThat(BetaMixture.logRegularizedBeta(0.2, 1, 3_000))
                .isCloseTo(Math.log1p(-Math.exp(3_000 * Math.log(0.8))), within(1e-12));
        // Where the value is moderate it agrees with commons-math.
        for (double z : new double[] {0.05, 0.3, 0.5, 0.7, 0.95}) {
            assertThat(BetaMixture.logRegularizedBeta(z, 7.5, 30))
                    .isCloseTo(Math.log(Beta.regularizedBeta(z, 7.5, 30)), within(1e-10));
        }
    }

    @Test
    void eValueIsMonotoneWhereTheCountsSitFarBelowTheNull() {
        // Cases where 1 - I_{1-z}(q, p) cancelled to noise: one more canary event lowered E, one more stable raised it.
        long[][] counts = {{627, 22_594}, {1_433, 5_300}, {3_362, 24_119}, {1_821, 2_794}, {2_694, 39_019}};
        double[][] settings = {{0.0603, 0.5191}, {0.3835, 0.2447}, {0.1760, 0.2512}, {0.5513, 0.6652}, {0.0822, 0.5383}};
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i][0];
            long y = counts[i][1];
            double share = settings[i][0];
            double nullShare = BetaMixture.nullShare(share, settings[i][1]);
            double logE = BetaMixture.logEValue(x, y, nullShare, 100 * share, 100 * (1 - share));
            assertThat(logE).as("log E(%d, %d)", x, y).isFinite();
            assertThat(BetaMixture.logEValue(x + 1, y, nullShare, 100 * share, 100 * (1 - share)))
                    .as("one more canary event").isGreaterThanOrEqualTo(logE);
            assertThat(BetaMixture.logEValue(x, y + 1, nullShare, 100 * share, 100 * (1 - share)))
                    .as("one more stable event").isLessThanOrEqualTo(logE);
        }
    }
}
