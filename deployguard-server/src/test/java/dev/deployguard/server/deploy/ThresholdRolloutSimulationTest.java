package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Judge;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.Decision;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.RolloutKind;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.SpecParser;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A whole rollout in simulated time with the judge the runner builds ({@link Analyses#forSpec}) and the engine, as the
 * runner drives them: one window per analysis interval, its verdict handed to the engine. Regression for the threshold
 * judge's first PASS ending the analysis, which promoted a canary that failed every later check.
 */
class ThresholdRolloutSimulationTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final String FLAGGER_SHORTHAND = """
            apps:
              web:
                platform: {local: {command: [srv, "${port}"], listen: "127.0.0.1:8080"}}
                strategy:
                  canary:
                    threshold: 3
                    stepWeight: 20
                    maxWeight: 60
                    bake: 10m
                    analysis: {judge: threshold, latency: false}
            """;

    private final RolloutEngine engine = new RolloutEngine();

    /** What happened: every action in order, the final rollout, and the minute each action was taken. */
    private record Run(Rollout end, List<Action> actions, List<Long> minutes) {
        long minuteOf(Class<? extends Action> type) {
            for (int i = 0; i < actions.size(); i++) {
                if (type.isInstance(actions.get(i))) {
                    return minutes.get(i);
                }
            }
            return -1;
        }
    }

    /**
     * Drives the rollout for up to two hours: the canary's error rate in each minute comes from {@code bad} (5%
     * errors when it says so, 0.1% otherwise); the two tracks share 1,000 requests a minute by the weight.
     */
    private Run simulate(Predicate<Long> bad) {
        return simulate(FLAGGER_SHORTHAND, bad, minute -> false);
    }

    /** As {@link #simulate(Predicate)} with another spec, and a metric source that cannot measure when {@code down}. */
    private Run simulate(String spec, Predicate<Long> bad, Predicate<Long> down) {
        Strategy strategy = new SpecParser().parse(spec, "t.yaml", Path.of("/")).app("web").orElseThrow()
                .strategy();
        Duration interval = strategy.analysis().interval();
        assertThat(interval).as("Flagger's shorthand checks once a minute").isEqualTo(Duration.ofMinutes(1));
        Judge judge = Analyses.forSpec(strategy.analysis());
        List<Action> actions = new ArrayList<>();
        List<Long> minutes = new ArrayList<>();
        Decision d = engine.reconcile(Rollout.start(1, "web", RolloutKind.CANARY, 1, 2, T0), strategy, Observation.NONE, T0);
        record(d, 0, actions, minutes);
        for (long minute = 1; minute <= 120 && !d.next().phase().isDone(); minute++) {
            Instant now = T0.plus(Duration.ofMinutes(minute));
            long canaryRequests = Math.max(1, 1_000L * d.next().weight() / 10_000);
            long canaryErrors = bad.test(minute) ? canaryRequests / 20 : canaryRequests / 1_000;
            WindowObservation w = down.test(minute)
                    ? WindowObservation.missing(now.minus(interval), now, "prometheus: connection refused")
                    : WindowObservation.measured(now.minus(interval), now,
                    TrackWindow.counts(1_000 - canaryRequests, (1_000 - canaryRequests) / 1_000), TrackWindow.counts(canaryRequests, canaryErrors),
                    LatencyPairs.NONE);
            Judgement j = judge.observe(w);
            d = engine.reconcile(d.next(), strategy, Observation.verdict(j.verdict(), j.toString()), now);
            record(d, minute, actions, minutes);
        }
        return new Run(d.next(), actions, minutes);
    }

    private static void record(Decision d, long minute, List<Action> actions, List<Long> minutes) {
        for (Action a : d.actions()) {
            actions.add(a);
            minutes.add(minute);
        }
    }

    @Test
    void aCanaryThatPassesItsFirstCheckAndFailsEveryLaterOneIsRolledBackNotPromoted() {
        Run run = simulate(minute -> minute > 1);
        assertThat(run.end().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(run.actions()).noneMatch(a -> a instanceof Action.Promote);
        assertThat(run.minuteOf(Action.RollBack.class)).as("threshold 3: the third failed check, minute 4")
                .isEqualTo(4);
    }

    @Test
    void failedChecksDuringTheBakeStillCountAndRollBack() {
        Run run = simulate(minute -> minute > 4);
        assertThat(run.minuteOf(Action.Promote.class)).as("three weight steps, one passing check each").isEqualTo(3);
        assertThat(run.end().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(run.minuteOf(Action.RollBack.class)).as("failed checks at minutes 5, 6, 7 of the bake")
                .isEqualTo(7);
    }

    @Test
    void failedChecksAccumulateAcrossStepsAsFlaggerCountsThem() {
        // fails at minutes 1, 3 and 5, passes between: never three in a row, three in total
        Run run = simulate(minute -> minute == 1 || minute == 3 || minute == 5);
        assertThat(run.end().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(run.minuteOf(Action.RollBack.class)).isEqualTo(5);
    }

    /**
     * A metric provider outage of minutes 2 to 4 on a good canary: by default it holds (DeployGuard's departure) and
     * the canary is promoted once the provider is back; with {@code compat: strict} each unmeasured check is a failed
     * check, as in Flagger (fluxcd/flagger pkg/controller/scheduler_metrics.go), so threshold 3 rolls back at minute 4.
     */
    @Test
    void aProviderOutageHoldsByDefaultAndFailsChecksUnderCompatStrict() {
        Predicate<Long> outage = minute -> minute >= 2 && minute <= 4;
        Run held = simulate(FLAGGER_SHORTHAND, minute -> false, outage);
        assertThat(held.end().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(held.minuteOf(Action.Promote.class)).as("one check at minute 1, three after the outage").isEqualTo(6);

        Run strict = simulate(FLAGGER_SHORTHAND.replace("latency: false}", "latency: false, compat: strict}"),
                minute -> false, outage);
        assertThat(strict.end().phase()).isEqualTo(Rollout.Phase.ROLLED_BACK);
        assertThat(strict.minuteOf(Action.RollBack.class)).isEqualTo(4);
    }

    @Test
    void aGoodCanaryWalksEveryStepThenBakesAndSucceeds() {
        Run run = simulate(minute -> false);
        assertThat(run.end().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
        assertThat(run.actions()).filteredOn(a -> a instanceof Action.SetWeight)
                .extracting(a -> ((Action.SetWeight) a).basisPoints()).containsExactly(2000, 4000, 6000);
        assertThat(run.minuteOf(Action.Promote.class)).isEqualTo(3);
        assertThat(run.minuteOf(Action.Finish.class)).as("promoted at minute 3, baked 10 minutes").isEqualTo(13);
    }
}
