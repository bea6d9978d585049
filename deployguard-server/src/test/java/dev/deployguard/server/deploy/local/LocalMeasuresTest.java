package dev.deployguard.server.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.analysis.LatencyPairs;
import dev.deployguard.analysis.MetricSource;
import dev.deployguard.analysis.TrackWindow;
import dev.deployguard.analysis.WindowObservation;
import dev.deployguard.analysis.metric.MetricDefinition;
import dev.deployguard.analysis.metric.MetricQuery;
import dev.deployguard.analysis.metric.Provider;
import dev.deployguard.local.process.ProcResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in measures on one host, over a scripted router and a {@code /proc} fixture in simulated time: CPU per
 * request is each track's CPU increase over exactly the metric's interval divided by the requests the router counted
 * for that track in the same readings; a track without requests has no value (never a zero).
 */
class LocalMeasuresTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    static final long STABLE_PID = 999_999_901L;
    static final long CANARY_PID = 999_999_902L;

    @TempDir
    Path proc;
    long stableTicks;
    long canaryTicks;
    long stableRequests;
    long canaryRequests;
    String down;

    void writeProc() throws IOException {
        for (long pid : List.of(STABLE_PID, CANARY_PID)) {
            Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
            long ticks = pid == STABLE_PID ? stableTicks : canaryTicks;
            // Fields after the name: state, ppid, ..., utime is the 12th and stime the 13th.
            Files.writeString(d.resolve("stat"), pid + " (java app) S 1 1 1 0 -1 0 0 0 0 0 " + ticks + " 0 0 0");
            Files.writeString(d.resolve("status"), "Name:\tjava\nVmRSS:\t  102400 kB\n");
        }
    }

    /** A router that reports, per reading, the requests the test added since the previous one. */
    MetricSource router() {
        return new MetricSource() {
            @Override
            public WindowObservation window(Instant start, Instant end) {
                if (down != null) {
                    return WindowObservation.missing(start, end, down);
                }
                WindowObservation w = WindowObservation.measured(start, end, TrackWindow.counts(stableRequests, 0),
                        TrackWindow.counts(canaryRequests, Math.min(1, canaryRequests)), LatencyPairs.NONE);
                stableRequests = 0;
                canaryRequests = 0;
                return w;
            }
        };
    }

    static MetricDefinition metric(String measure, Duration interval) {
        MetricDefinition m = MetricDefinition.of("m", new Provider.Router(measure));
        return new MetricDefinition(m.name(), m.provider(), true, m.direction(), 1, false, null, null, null,
                interval, null, 0, 0, 4, 0, false);
    }

    @Test
    void cpuPerRequestLooksBackOverExactlyTheIntervalPerTrack() throws Exception {
        writeProc();
        LocalMeasures measures = new LocalMeasures(router(), new ProcResources(proc),
                rev -> List.of(rev == 1 ? STABLE_PID : CANARY_PID), 1, 2, T0);
        // The first 10 s: a cold canary burns 5 CPU s on 10 requests; it is left out of a 10 s look-back at 20 s.
        stableTicks += 100;
        canaryTicks += 500;
        stableRequests += 100;
        canaryRequests += 10;
        writeProc();
        measures.observe(T0.plusSeconds(10));
        stableTicks += 200; // 2 CPU s over 1000 requests
        canaryTicks += 200; // 2 CPU s over 250 requests: 4 times stable per request
        stableRequests += 1000;
        canaryRequests += 250;
        writeProc();

        MetricDefinition cpu = metric("cpuPerRequest", Duration.ofSeconds(10));
        MetricQuery.Answer canary = measures.query(cpu, "canary", T0.plusSeconds(20));
        MetricQuery.Answer stable = measures.query(cpu, "stable", T0.plusSeconds(20));
        assertThat(canary).isEqualTo(new MetricQuery.Answer.Value(0.008, "2 CPU s over 250 requests in 10s"));
        assertThat(stable).isEqualTo(new MetricQuery.Answer.Value(0.002, "2 CPU s over 1000 requests in 10s"));

        MetricQuery.Answer whole = measures.query(metric("cpuPerRequest", null), "canary", T0.plusSeconds(20));
        assertThat(((MetricQuery.Answer.Value) whole).result()).as("without an interval: since the rollout began")
                .isEqualTo(7.0 / 260);
        assertThat(measures.query(metric("errorRate", Duration.ofSeconds(10)), "canary", T0.plusSeconds(20)))
                .isEqualTo(new MetricQuery.Answer.Value(1.0 / 250, "1 errors in 250 requests in 10s"));
        assertThat(((MetricQuery.Answer.Value) measures.query(metric("memoryPerRequest", Duration.ofSeconds(10)),
                "stable", T0.plusSeconds(20))).result()).as("resident bytes at the end over the requests, whole bytes")
                .isEqualTo((double) (102400L * 1024 / 1000));
    }

    @Test
    void noRequestsOrNoRouterIsNoValueNeverAZero() throws Exception {
        writeProc();
        LocalMeasures measures = new LocalMeasures(router(), new ProcResources(proc),
                rev -> List.of(rev == 1 ? STABLE_PID : CANARY_PID), 1, 2, T0);
        stableTicks += 100;
        writeProc();
        assertThat(measures.query(metric("cpuPerRequest", Duration.ofSeconds(10)), "canary", T0.plusSeconds(10)))
                .isInstanceOfSatisfying(MetricQuery.Answer.Unavailable.class,
                        u -> assertThat(u.reason()).contains("no requests on the canary track"));
        down = "router metrics unavailable: connection refused";
        assertThat(measures.query(metric("cpuPerRequest", Duration.ofSeconds(10)), "stable", T0.plusSeconds(20)))
                .isEqualTo(new MetricQuery.Answer.Unavailable("router metrics unavailable: connection refused"));
    }
}
