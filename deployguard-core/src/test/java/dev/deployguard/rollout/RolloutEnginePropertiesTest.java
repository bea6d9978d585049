package dev.deployguard.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the state machine under any steps, observations and commands. */
class RolloutEnginePropertiesTest {
    final RolloutEngine engine = new RolloutEngine();

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 10_000).map(Step.SetWeight::new),
                Arbitraries.integers().between(0, 120).map(s -> new Step.Pause(s == 0 ? null : Duration.ofSeconds(s))),
                Arbitraries.just(new Step.Analysis(null)),
                Arbitraries.of("rollback", "block").map(f -> new Step.Webhook(new WebhookSpec("h", "acceptance",
                        "http://127.0.0.1:1", Duration.ofSeconds(1), 0, f))));
        return step.list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Object>> inputs() {
        Arbitrary<Object> obs = Arbitraries.oneOf(
                Arbitraries.of(Verdict.class).map(v -> (Object) Observation.verdict(v, "e")),
                Arbitraries.of(true, false).map(b -> (Object) Observation.webhook(b, "w")),
                Arbitraries.just(Observation.NONE),
                Arbitraries.of(RolloutEngine.Command.values()).map(c -> (Object) c));
        return Combinators.combine(obs, Arbitraries.integers().between(0, 90))
                .as((o, dt) -> (Object) new Object[] {o, dt}).list().ofMaxSize(40);
    }

    @Property(tries = 500)
    void weightsStayInRangeDoneIsFinalAndRollbackMeansZero(@ForAll("steps") List<Step> steps,
                                                          @ForAll("inputs") List<Object> inputs) {
        var s = new Strategy.Canary(steps, RolloutEngineTest.ANALYSIS, Duration.ofSeconds(30), List.of());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Rollout r = Rollout.start(1, "a", RolloutKind.CANARY, 1, 2, now);
        List<Rollout.Phase> seen = new ArrayList<>();
        for (Object in : inputs) {
            Object[] pair = (Object[]) in;
            now = now.plusSeconds((Integer) pair[1]);
            Decision d;
            if (pair[0] instanceof RolloutEngine.Command c) {
                try {
                    d = engine.command(r, s, c, "p", now);
                } catch (dev.deployguard.error.DeployGuardException refused) {
                    continue;
                }
            } else {
                d = engine.reconcile(r, s, (Observation) pair[0], now);
            }
            Rollout next = d.next();
            assertThat(next.weight()).isBetween(0, 10_000);
            if (r.phase().isDone()) {
                assertThat(next).isEqualTo(r);
                assertThat(d.actions()).isEmpty();
            }
            if (next.phase() == Rollout.Phase.ROLLED_BACK && !r.phase().isDone()) {
                assertThat(next.weight()).isZero();
                assertThat(d.actions()).anyMatch(a -> a instanceof Action.RollBack);
            }
            if (d.actions().stream().anyMatch(a -> a instanceof Action.Promote)) {
                assertThat(next.weight()).isEqualTo(10_000);
            }
            seen.add(next.phase());
            r = next;
        }
        assertThat(seen).doesNotContainSequence(Rollout.Phase.SUCCEEDED, Rollout.Phase.PROGRESSING);
    }
}
