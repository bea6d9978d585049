package dev.deployguard.analysis.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.deployguard.analysis.LatencyComparison;
import dev.deployguard.analysis.LatencyHistogram;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import java.time.Duration;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class TrafficSimulatorTest {
    static final TrafficModel BENCHMARK = TrafficModel.benchmark();

    /** An hour of traffic summed per track. */
    record Hour(TrackWindow stable, TrackWindow canary, LatencyPairs pairs) {
    }

    static Hour hour(Regression regression, Bursts bursts, long seed) {
        return hour(new TrafficSimulator(BENCHMARK, regression, bursts, seed, LatencyComparison.STRICT));
    }

    static Hour hour(TrafficSimulator simulator) {
        TrackWindow stable = TrackWindow.NONE;
        TrackWindow canary = TrackWindow.NONE;
        LatencyPairs pairs = LatencyPairs.NONE;
        for (int s = 0; s < 3_600; s++) {
            WindowObservation w = simulator.next();
            stable = stable.plus(w.stable());
            canary = canary.plus(w.canary());
            pairs = pairs.plus(w.pairs());
        }
        return new Hour(stable, canary, pairs);
    }

    @Test
    void theSameSeedGivesTheSameTraffic() {
        TrafficSimulator a = new TrafficSimulator(BENCHMARK, Regression.errors(2), Bursts.NONE, 5);
        TrafficSimulator b = new TrafficSimulator(BENCHMARK, Regression.errors(2), Bursts.NONE, 5);
        for (int i = 0; i < 100; i++) {
            assertThat(a.next()).isEqualTo(b.next());
        }
        assertThat(a.elapsed()).isEqualTo(Duration.ofSeconds(100));
    }

    @Test
    void anAaHourHasTheModelsRateShareAndErrors() {
        Hour h = hour(Regression.NONE, Bursts.NONE, 1);
        long requests = h.stable().requests() + h.canary().requests();
        assertThat(requests / 3_600.0).isCloseTo(1_000, within(320.0)); // ±30% diurnal swing
        assertThat((double) h.canary().requests() / requests).isCloseTo(0.05, within(0.002));
        assertThat(h.stable().errorRate()).isCloseTo(0.01, within(0.0005));
        assertThat(h.canary().errorRate()).isCloseTo(0.01, within(0.0015));
        assertThat((double) h.pairs().canarySlower() / h.pairs().pairs()).isCloseTo(0.5, within(0.005));
        assertThat(h.canary().meanLatencyMillis()).isCloseTo(50 * Math.exp(0.125), within(0.5));
        assertThat(h.canary().histogram().total()).isEqualTo(h.canary().requests());
        assertThat(h.canary().histogram().quantile(0.99)).isBetween(100.0, 250.0); // true p99: 160 ms
    }

    @Test
    void regressionsShowInTheCanarysTraffic() {
        Hour errors = hour(Regression.errors(2), Bursts.NONE, 2);
        assertThat(errors.canary().errorRate() / errors.stable().errorRate()).isCloseTo(2, within(0.15));
        Hour latency = hour(Regression.latency(0.10), Bursts.NONE, 3);
        double slower = (double) latency.pairs().canarySlower() / latency.pairs().pairs();
        double expected = new NormalDistribution().cumulativeProbability(Math.log(1.1) / (0.5 * Math.sqrt(2)));
        assertThat(slower).isCloseTo(expected, within(0.005));
        assertThat(latency.canary().meanLatencyMillis() / latency.stable().meanLatencyMillis())
                .isCloseTo(1.1, within(0.01));
    }

    @Test
    void pairsCountAsSlowerOnlyBeyondTheComparison() {
        // given a canary 2x slower, pairs counted beyond 1.1 x stable + 5 ms
        LatencyComparison comparison = new LatencyComparison(0.1, 5);
        Hour h = hour(new TrafficSimulator(BENCHMARK, Regression.latency(1.0), Bursts.NONE, 7, comparison));
        double slower = (double) h.pairs().canarySlower() / h.pairs().pairs();
        // then the share of slower pairs is what independent log-normal draws give (Monte Carlo, 400k pairs)
        java.util.SplittableRandom random = new java.util.SplittableRandom(8);
        int hits = 0;
        int n = 400_000;
        for (int i = 0; i < n; i++) {
            double stable = 50 * Math.exp(0.5 * random.nextGaussian());
            double canary = 2 * 50 * Math.exp(0.5 * random.nextGaussian());
            hits += comparison.slower(canary, stable) ? 1 : 0;
        }
        assertThat(slower).isCloseTo((double) hits / n, within(0.01));
        // and an A/A canary is "slower" in well under half of its pairs: the margins are on its side
        Hour aa = hour(new TrafficSimulator(BENCHMARK, Regression.NONE, Bursts.NONE, 9, comparison));
        assertThat((double) aa.pairs().canarySlower() / aa.pairs().pairs()).isBetween(0.3, 0.45);
    }

    @Test
    void aColdStartSlowsOnlyTheFirstSecondsAndAnOutageLeavesWindowsMissing() {
        TrafficSimulator simulator = new TrafficSimulator(BENCHMARK, Regression.NONE, Bursts.NONE, 10,
                LatencyComparison.STRICT).coldStart(60, 1.0).outage(100, 110);
        long coldSlower = 0;
        long coldPairs = 0;
        long warmSlower = 0;
        long warmPairs = 0;
        int missing = 0;
        for (int s = 0; s < 300; s++) {
            WindowObservation w = simulator.next();
            if (w.isMissing()) {
                missing++;
                assertThat(s).isBetween(100, 109);
            } else if (s < 60) {
                coldSlower += w.pairs().canarySlower();
                coldPairs += w.pairs().pairs();
            } else {
                warmSlower += w.pairs().canarySlower();
                warmPairs += w.pairs().pairs();
            }
        }
        assertThat(missing).isEqualTo(10);
        double expectedCold = new NormalDistribution().cumulativeProbability(Math.log(2) / (0.5 * Math.sqrt(2)));
        assertThat((double) coldSlower / coldPairs).isCloseTo(expectedCold, within(0.03));
        assertThat((double) warmSlower / warmPairs).isCloseTo(0.5, within(0.03));
    }

    @Test
    void burstsRaiseBothTracksErrorsTogether() {
        Hour bursty = hour(Regression.NONE, new Bursts(300, 20, 10), 4);
        assertThat(bursty.stable().errorRate()).isGreaterThan(0.012);
        assertThat(bursty.canary().errorRate() / bursty.stable().errorRate()).isCloseTo(1, within(0.15));
    }

    @Test
    void withoutBucketsThereIsNoHistogram() {
        TrafficSimulator simulator = new TrafficSimulator(BENCHMARK.withoutHistograms(), Regression.NONE, Bursts.NONE, 6);
        assertThat(simulator.next().canary().histogram()).isEqualTo(LatencyHistogram.EMPTY);
    }
}
