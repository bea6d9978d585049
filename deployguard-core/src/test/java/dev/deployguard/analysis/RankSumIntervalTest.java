package dev.deployguard.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RankSumIntervalTest {
    /** Kayenta's root finder stops within its absolute tolerance of 1e-4, not closer. */
    @Test
    void anExactShiftIsEstimatedWithinKayentasTolerance() {
        double[] y = {1.3, 2.9, 3.1, 4.7, 5.2, 6.8, 7.4, 8.0, 9.6, 10.1};
        double[] x = Arrays.stream(y).map(v -> v + 5).toArray();
        RankSumInterval.Result r = RankSumInterval.of(x, y, 0.98);
        assertThat(r.estimate()).isCloseTo(5, within(RankSumInterval.TOLERANCE));
        assertThat(r.lower()).isLessThan(5);
        assertThat(r.upper()).isGreaterThan(5);
    }

    @Test
    void zeroinFindsARootWithinTheToleranceAndReturnsAnEndPointThatIsARoot() {
        double root = RankSumInterval.zeroin(0, 2, -2, 2, v -> v * v - 2);
        assertThat(root).isCloseTo(Math.sqrt(2), within(RankSumInterval.TOLERANCE));
        assertThat(RankSumInterval.zeroin(-1, 3, 0, 5, v -> v + 1)).isEqualTo(-1);
    }

    @Test
    void theEstimateIsCloseToTheMedianOfPairwiseDifferences() {
        SplittableRandom random = new SplittableRandom(42);
        double[] x = random.doubles(40).map(v -> v * 10 + 3).toArray();
        double[] y = random.doubles(35).map(v -> v * 10).toArray();
        double[] differences = new double[x.length * y.length];
        int k = 0;
        for (double a : x) {
            for (double b : y) {
                differences[k++] = a - b;
            }
        }
        Arrays.sort(differences);
        double hodgesLehmann = (differences[differences.length / 2 - 1] + differences[differences.length / 2]) / 2;
        RankSumInterval.Result r = RankSumInterval.of(x, y, 0.95);
        assertThat(r.estimate()).isCloseTo(hodgesLehmann, within(0.15));
        assertThat(r.lower()).isLessThan(r.estimate());
        assertThat(r.upper()).isGreaterThan(r.estimate());
    }

    @Test
    void aHigherConfidenceGivesAWiderInterval() {
        SplittableRandom random = new SplittableRandom(7);
        double[] x = random.doubles(20).toArray();
        double[] y = random.doubles(20).toArray();
        RankSumInterval.Result narrow = RankSumInterval.of(x, y, 0.9);
        RankSumInterval.Result wide = RankSumInterval.of(x, y, 0.98);
        assertThat(wide.lower()).isLessThan(narrow.lower());
        assertThat(wide.upper()).isGreaterThan(narrow.upper());
    }

    @Test
    void allTiedObservationsHaveNoInterval() {
        assertThatThrownBy(() -> RankSumInterval.of(new double[] {1, 1}, new double[] {1, 1, 1}, 0.98))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
