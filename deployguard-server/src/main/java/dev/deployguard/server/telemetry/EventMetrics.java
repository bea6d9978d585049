package dev.deployguard.server.telemetry;

import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Metrics read off the event log as events are recorded: rollbacks (automatic or by an operator) with how long the
 * analysis took to detect a bad canary and how long the traffic switch took, checklist runs and each check's
 * result, and a count of every event by kind (deploys, crashes, audit refusals, ...).
 */
final class EventMetrics implements Consumer<Event> {
    private static final Duration[] DETECT_BUCKETS = {Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1)};
    private static final Duration[] SWITCH_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> ready = new ConcurrentHashMap<>();

    EventMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void accept(Event e) {
        Counter.builder("deployguard.events").description("Events recorded, by kind").tag("kind", e.kind())
                .register(registry).increment();
        String app = e.app() == null ? "" : e.app();
        switch (e.kind()) {
            case EventKinds.ROLLBACK_AUTOMATIC, EventKinds.ROLLBACK_SUCCEEDED -> rollback(app, e);
            case EventKinds.CHECKS_PASSED, EventKinds.CHECKS_FAILED, EventKinds.CHECKS_SKIPPED -> checklist(app, e);
            default -> {
                // counted by kind only
            }
        }
    }

    private void rollback(String app, Event e) {
        boolean automatic = e.kind().equals(EventKinds.ROLLBACK_AUTOMATIC);
        Counter.builder("deployguard.rollbacks").description("Rollbacks: automatic (the analysis failed the canary)"
                + " or by an operator (abort, rollback)").tags("app", app, "trigger", automatic ? "automatic"
                : "operator").register(registry).increment();
        if (automatic && e.data().get("detectSeconds") instanceof Number s) {
            Timer.builder("deployguard.rollback.detection").description("From a rollout's start to the automatic"
                    + " rollback that ended it: how long the analysis took to find a bad canary")
                    .serviceLevelObjectives(DETECT_BUCKETS).tags("app", app).register(registry)
                    .record(Duration.ofMillis(Math.round(s.doubleValue() * 1000)));
        }
        if (e.data().get("switchMillis") instanceof Number ms) {
            Timer.builder("deployguard.rollback.switch").description("How long a rollback's traffic switch took")
                    .serviceLevelObjectives(SWITCH_BUCKETS).tags("app", app).register(registry)
                    .record(Duration.ofMillis(ms.longValue()));
        }
    }

    private void checklist(String app, Event e) {
        String result = e.kind().substring(e.kind().indexOf('.') + 1);
        Counter.builder("deployguard.checklists").description("Pre-deployment checklist runs by result")
                .tags("app", app, "result", result).register(registry).increment();
        if (!result.equals("skipped")) {
            ready.computeIfAbsent(app, a -> {
                AtomicInteger v = new AtomicInteger();
                Gauge.builder("deployguard.checklist.ready", v, AtomicInteger::get).description("1 when the app's"
                        + " newest checklist was READY, 0 when NOT READY").tag("app", a).register(registry);
                return v;
            }).set(result.equals("passed") ? 1 : 0);
        }
        if (e.data().get("checks") instanceof Map<?, ?> checks) {
            checks.forEach((name, status) -> Counter.builder("deployguard.check.results")
                    .description("Results of each pre-deployment check").tags("app", app, "check",
                            String.valueOf(name), "status", String.valueOf(status)).register(registry).increment());
        }
    }
}
