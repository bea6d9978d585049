package dev.deployguard.server.telemetry;

import dev.deployguard.rollout.Rollout;
import dev.deployguard.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;

/**
 * Each app's newest rollout as the store holds it, read at every scrape: its phase (one series per phase, 1 for
 * the current one, as kube-state-metrics writes states), its step and canary weight. Apps that are gone lose
 * their series.
 */
final class RolloutGauges {
    private final MultiGauge phase;
    private final MultiGauge step;
    private final MultiGauge weight;
    private final MultiGauge revision;

    RolloutGauges(MeterRegistry registry) {
        phase = MultiGauge.builder("deployguard.rollout.phase")
                .description("1 for the phase the app's newest rollout is in, 0 for the others").register(registry);
        step = MultiGauge.builder("deployguard.rollout.step")
                .description("Index of the step the app's newest rollout is at (0 = first)").register(registry);
        weight = MultiGauge.builder("deployguard.rollout.weight").baseUnit("percent")
                .description("Share of traffic the canary (or green) track gets, in percent").register(registry);
        revision = MultiGauge.builder("deployguard.rollout.canary.revision")
                .description("The revision the app's newest rollout moves to").register(registry);
    }

    void refresh(Store store) {
        List<MultiGauge.Row<?>> phases = new ArrayList<>();
        List<MultiGauge.Row<?>> steps = new ArrayList<>();
        List<MultiGauge.Row<?>> weights = new ArrayList<>();
        List<MultiGauge.Row<?>> revisions = new ArrayList<>();
        for (String app : store.apps()) {
            List<Rollout> newest = store.rollouts(app, 1);
            if (newest.isEmpty()) {
                continue;
            }
            Rollout r = newest.get(0);
            for (Rollout.Phase p : Rollout.Phase.values()) {
                phases.add(MultiGauge.Row.of(Tags.of("app", app, "phase", p.name()), r.phase() == p ? 1 : 0));
            }
            Tags tags = Tags.of("app", app, "strategy", r.kind().name());
            steps.add(MultiGauge.Row.of(tags, r.stepIndex()));
            weights.add(MultiGauge.Row.of(tags, r.weight() / 100.0));
            revisions.add(MultiGauge.Row.of(tags, r.canaryRevision()));
        }
        phase.register(phases, true);
        step.register(steps, true);
        weight.register(weights, true);
        revision.register(revisions, true);
    }
}
