package dev.deployguard.server.telemetry;

import dev.deployguard.analysis.Evidence;
import dev.deployguard.analysis.Judgement;
import dev.deployguard.analysis.Verdict;
import dev.deployguard.server.deploy.AnalysisWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Every analysis look's evidence, per app and metric: the measured value, the bound it is compared with, the
 * sample counts behind it, the e-value (NaN for judges without one) and the threshold 1/alpha it must reach to roll
 * back, and the verdict; plus a count of looks per verdict. Gauges hold the newest look's numbers.
 */
final class VerdictMetrics implements Consumer<AnalysisWindow> {
    private final MeterRegistry registry;
    private final Map<Tags, Last> last = new ConcurrentHashMap<>();

    VerdictMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The newest evidence of one app's metric. */
    static final class Last {
        volatile Evidence evidence;
        volatile double eValueThreshold = Double.NaN;
    }

    @Override
    public void accept(AnalysisWindow w) {
        Judgement j = w.judgement();
        Counter.builder("deployguard.analysis.looks").description("Analysis looks (one per interval) by verdict")
                .tags("app", w.app(), "judge", j.judge(), "verdict", j.verdict().name()).register(registry)
                .increment();
        for (Evidence e : j.evidence()) {
            Last l = last.computeIfAbsent(Tags.of("app", w.app(), "judge", j.judge(), "metric", e.metric()),
                    this::register);
            l.evidence = e;
            l.eValueThreshold = w.spec() == null || w.spec().alpha() <= 0 ? Double.NaN : 1 / w.spec().alpha();
        }
    }

    private Last register(Tags tags) {
        Last l = new Last();
        gauge("deployguard.analysis.value", "The measured value (its unit depends on the metric: docs/metrics.md)",
                tags, l, x -> x.evidence.value());
        gauge("deployguard.analysis.bound", "The bound the value is compared with", tags, l, x -> x.evidence.bound());
        gauge("deployguard.analysis.evalue", "Anytime-valid e-value against 'the canary is no worse' (NaN: the"
                + " judge computes none)", tags, l, x -> x.evidence.eValue());
        gauge("deployguard.analysis.evalue.threshold", "1/alpha: an e-value at or above it rolls back", tags, l,
                x -> x.eValueThreshold);
        gauge("deployguard.analysis.samples", "Canary samples behind the value", tags.and("track", "canary"), l,
                x -> x.evidence.canarySamples());
        gauge("deployguard.analysis.samples", "Stable samples behind the value", tags.and("track", "stable"), l,
                x -> x.evidence.stableSamples());
        gauge("deployguard.analysis.verdict", "The metric's verdict: 1 PASS, 0 INCONCLUSIVE, -1 FAIL", tags, l,
                x -> score(x.evidence.verdict()));
        return l;
    }

    private void gauge(String name, String help, Tags tags, Last l, ToDoubleFunction<Last> f) {
        Gauge.builder(name, l, x -> x.evidence == null ? Double.NaN : f.applyAsDouble(x)).description(help).tags(tags)
                .strongReference(true).register(registry);
    }

    static int score(Verdict v) {
        return switch (v) {
            case PASS -> 1;
            case INCONCLUSIVE -> 0;
            case FAIL -> -1;
        };
    }
}
