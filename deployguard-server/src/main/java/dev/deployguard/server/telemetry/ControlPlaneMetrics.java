package dev.deployguard.server.telemetry;

import dev.deployguard.local.router.RouterMetrics;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.request.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The control plane's {@code /metrics}: one Micrometer Prometheus registry fed by the event log, the rollout
 * runner's analysis looks and the API, and refreshed from the store and the routers at each scrape.
 */
public final class ControlPlaneMetrics {
    private final ControlPlane cp;
    private final Clock clock;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RouterTraffic traffic = new RouterTraffic(registry);
    private final RolloutGauges rollouts = new RolloutGauges(registry);
    /** The listener of analysis looks (package-private for tests, which hand it looks as the runner does). */
    final VerdictMetrics verdicts = new VerdictMetrics(registry);
    private final MultiGauge routerUp;
    private final MultiGauge loopProblems;

    public ControlPlaneMetrics(ControlPlane cp, Clock clock) {
        this.cp = cp;
        this.clock = clock;
        registry.getPrometheusRegistry().register(traffic);
        cp.events().addListener(new EventMetrics(registry));
        cp.rollouts().onAnalysis(verdicts);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("deployguard.control.plane.healthy", cp, c -> c.healthProblems().isEmpty() ? 1 : 0)
                .description("1 when every supervision and rollout loop makes progress (as /api/health answers 200)")
                .register(registry);
        Gauge.builder("deployguard.control.plane.leader", cp, c -> c.role().equals("follower") ? 0 : 1)
                .description("1 when this replica acts (the leader, or the only control plane), 0 for a follower")
                .register(registry);
        Gauge.builder("deployguard.control.plane.supervision.rounds", cp, ControlPlane::supervisionRounds)
                .description("Supervision rounds this replica has run").register(registry);
        routerUp = MultiGauge.builder("deployguard.router.up")
                .description("1 when the app's router answered the control plane at this scrape").register(registry);
        loopProblems = MultiGauge.builder("deployguard.control.plane.loop.problem").baseUnit("seconds")
                .description("A stuck or starved loop: seconds since its trouble began").register(registry);
    }

    /** Counts an answered API call. */
    public void apiRequest(Endpoint endpoint, int status) {
        Counter.builder("deployguard.api.requests").description("API requests by endpoint and HTTP status")
                .tags("endpoint", endpoint == null ? "unknown" : endpoint.name(), "status", Integer.toString(status))
                .register(registry).increment();
    }

    /** Reads the store and the routers, then writes every metric in Prometheus' text format. */
    public synchronized String scrape() {
        long now = clock.millis();
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        for (String app : cp.store().apps()) {
            if (cp.store().router(app).isEmpty() || cp.kubernetes().manages(app)) {
                continue;
            }
            int ok = 0;
            try {
                RouterMetrics m = cp.routers().client(app).metrics();
                traffic.add(app, m, now);
                ok = 1;
            } catch (RuntimeException e) {
                // A router that is down shows as deployguard_router_up 0; the other apps' metrics still come.
            }
            up.add(MultiGauge.Row.of(Tags.of("app", app), ok));
        }
        routerUp.register(up, true);
        rollouts.refresh(cp.store());
        List<MultiGauge.Row<?>> problems = new ArrayList<>();
        for (LoopHealth.Problem p : cp.healthProblems()) {
            problems.add(MultiGauge.Row.of(Tags.of("loop", p.loop(), "state", p.state()),
                    Duration.between(p.since(), clock.instant()).toMillis() / 1000.0));
        }
        loopProblems.register(problems, true);
        return registry.scrape();
    }
}
