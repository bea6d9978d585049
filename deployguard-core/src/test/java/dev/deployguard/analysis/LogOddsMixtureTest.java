package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LogOddsMixtureTest {
    @Test
    void withAConstantShareItMatchesTheClosedForm() {
        // Where the evidence is (from a few events to strong evidence against the null) the discretised prior agrees
        // with the closed form; deep inside the null the grid's point mass at the boundary keeps E from sinking as
        // low (an equally valid mixture), so those counts are not compared.
        double rho = 0.05;
        double tolerance = 0.1;
        double nullShare = BetaMixture.nullShare(rho, tolerance);
        long[][] counts = {{0, 0}, {3, 20}, {12, 60}, {30, 300}, {60, 500}, {150, 1_800}, {400, 4_000}};
        for (long[] c : counts) {
            LogOddsMixture mixture = new LogOddsMixture(rho, 100, 1 + tolerance, 1.3);
            // Fed in several windows: the grid accumulates per window, the closed form sees totals.
            for (int w = 0; w < 4; w++) {
                mixture.observe(c[0] / 4 + (w == 0 ? c[0] % 4 : 0), c[1] / 4 + (w == 0 ? c[1] % 4 : 0), rho);
            }
            double closed = BetaMixture.logEValue(c[0], c[1], nullShare, 100 * rho, 100 * (1 - rho));
            assertThat(mixture.logEValue()).as("log E(%d, %d)", c[0], c[1]).isCloseTo(closed, within(0.005));
        }
    }

    @Test
    void deepInsideTheNullTheBoundaryPointMassIsAFloor() {
        LogOddsMixture mixture = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        mixture.observe(3_000, 57_000, 0.05);
        double closed = BetaMixture.logEValue(3_000, 57_000, BetaMixture.nullShare(0.05, 0.1), 5, 95);
        assertThat(mixture.logEValue()).isLessThan(0).isGreaterThan(closed);
    }

    @Test
    void eValueRisesWithCanaryEventsAndFallsWithStableEvents() {
        LogOddsMixture base = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        base.observe(20, 300, 0.05);
        LogOddsMixture moreCanary = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        moreCanary.observe(21, 300, 0.05);
        LogOddsMixture moreStable = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        moreStable.observe(20, 301, 0.05);
        assertThat(moreCanary.logEValue()).isGreaterThan(base.logEValue());
        assertThat(moreStable.logEValue()).isLessThan(base.logEValue());
    }

    @Test
    void theShareOfEachWindowSetsWhatIsExpected() {
        // The same 40 canary errors of 200 are damning at a 5% share and expected at a 20% share.
        LogOddsMixture small = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        small.observe(40, 160, 0.05);
        LogOddsMixture large = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        large.observe(40, 160, 0.2);
        assertThat(small.logEValue()).isGreaterThan(Math.log(1e6));
        assertThat(large.logEValue()).isLessThan(0);
    }

    @Test
    void confidenceSequenceFallsBelowThePromoteRatioForAGoodCanary() {
        LogOddsMixture mixture = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        assertThat(mixture.excludesPromoteRatioAndAbove(0.05)).isFalse();
        for (int w = 0; w < 60; w++) {
            mixture.observe(5, 95, 0.05); // ratio 1 exactly
        }
        assertThat(mixture.upperBound(0.05)).isLessThan(1.3).isGreaterThan(1.0);
        assertThat(mixture.excludesPromoteRatioAndAbove(0.05)).isTrue();
    }

    @Test
    void aBadCanaryIsNeverInsideThePromoteBound() {
        LogOddsMixture mixture = new LogOddsMixture(0.05, 100, 1.1, 1.3);
        for (int w = 0; w < 60; w++) {
            mixture.observe(10, 95, 0.05); // ratio 2
        }
        assertThat(mixture.excludesPromoteRatioAndAbove(0.05)).isFalse();
        assertThat(mixture.upperBound(0.05)).isGreaterThan(2);
    }
}
