package dev.deployguard.bench.controlplane;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.deployguard.event.Event;
import dev.deployguard.event.EventKinds;
import dev.deployguard.json.Json;
import dev.deployguard.local.process.Ports;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.drill.DrillReport;
import dev.deployguard.server.drill.DrillRequest;
import dev.deployguard.spec.DrillSpec;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench/run rollback [--quick] [--rounds N] [--drills N] [--json]}: the control plane's own rollback and drill
 * times for a local app (the demo app as real processes behind the real router, embedded store), with notification
 * targets that never help: one holds every request until the benchmark ends, one is a port where nothing listens.
 * Each round deploys v2 and rolls back to the warm v1; it reports the router switch ({@code switchMillis}, what
 * {@code rollback -o json} prints), the whole rollback call, and {@code rollback.started} to {@code traffic.switched}
 * from the event log, plus the held target's count of answered requests (0: no rollback waited for it). Then whole
 * drills (v1 -> v2 -> v1, two instances, as DrillIT runs them): their duration and each step's. These are the
 * figures the tests used to bound with a stopwatch (IncidentIT, DrillIT); the tests now check the behaviour only.
 */
public final class RollbackBench {
    private RollbackBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 20;
        int drills = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    rounds = 5;
                    drills = 1;
                }
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--drills" -> drills = Integer.parseInt(args[++i]);
                case "--json" -> {
                    // JSON is what every benchmark prints; accepted for symmetry with the docs.
                }
                default -> {
                    System.err.println("usage: bench/run rollback [--quick] [--rounds N] [--drills N] [--json]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("dg-rollback-bench");
        CountDownLatch end = new CountDownLatch(1);
        AtomicInteger heldRequests = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        ExecutorService holderThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "held-target");
            t.setDaemon(true);
            return t;
        });
        HttpServer holder = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        holder.setExecutor(holderThreads);
        holder.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            heldRequests.incrementAndGet();
            try {
                end.await(30, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answered.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        holder.start();
        int downPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            downPort = s.getLocalPort();
        }
        Path spec = dir.resolve("deployguard.yaml");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(spec, """
                apps:
                  demo:
                    platform:
                      local:
                        command: ["%s", "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", "%s",
                                  "dev.deployguard.demo.DemoApp", "--port", "${port}", "--version", "${version}"]
                        instances: 2
                        listen: "127.0.0.1:%d"
                        readiness: {path: /ready, timeout: 30s, interval: 100ms}
                        stop: {gracePeriod: 3s}
                    notifications:
                      targets:
                        - {type: webhook, url: "http://127.0.0.1:%d/held"}
                        - {type: slack, url: "http://127.0.0.1:%d/down"}
                      timeout: 1m
                    drill:
                      versions: [v1, v2]
                      probes: [{path: /}, {path: /version, expectStatus: 200}]
                      timeout: 30s
                    checks: {skip: [local.ports]}
                """.formatted(java, System.getProperty("java.class.path"), Ports.freeLoopbackPort(),
                holder.getAddress().getPort(), downPort));

        ControlPlane cp = new ControlPlane(new ControlPlane.Config(dir.resolve("state"), spec, null, null, null),
                Clock.systemUTC());
        ObjectNode out = Json.mapper().createObjectNode();
        try {
            cp.start();
            System.err.println("rollback bench: state in " + dir);
            cp.deployer().deploy(request("v1"));
            List<Long> switchMs = new ArrayList<>();
            List<Long> callMs = new ArrayList<>();
            List<Long> eventMs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                cp.deployer().deploy(request("v2"));
                long t0 = System.nanoTime();
                DeployResult rb = cp.deployer().rollback("demo", null, "bench round " + r, "bench");
                callMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                switchMs.add(rb.switchMillis());
                eventMs.add(startedToSwitched(cp));
                System.err.printf("round %d: switch %d ms, call %d ms%n", r + 1, rb.switchMillis(),
                        callMs.get(callMs.size() - 1));
            }
            ObjectNode rollback = out.putObject("rollback");
            rollback.put("rounds", rounds);
            summary(rollback.putObject("switch_ms"), switchMs);
            summary(rollback.putObject("rollback_call_ms"), callMs);
            summary(rollback.putObject("started_to_switched_ms"), eventMs);
            rollback.put("notifications_held_by_target", heldRequests.get());
            rollback.put("held_notifications_answered_before_rollbacks_ended", answered.get());

            List<Long> drillMs = new ArrayList<>();
            ArrayNode drillRuns = out.putObject("drill").put("runs", drills).putArray("steps_ms");
            for (int d = 0; d < drills; d++) {
                DrillReport report = cp.drills().run(new DrillRequest("demo", List.of(), List.<DrillSpec.Probe>of(),
                        null), "bench");
                if (!report.passed()) {
                    throw new IllegalStateException("drill failed: " + report.summary());
                }
                drillMs.add(report.durationMillis());
                ObjectNode steps = drillRuns.addObject();
                report.steps().forEach(s -> steps.put(s.name(), s.durationMillis()));
                System.err.printf("drill %d: %d ms%n", d + 1, report.durationMillis());
            }
            summary(((ObjectNode) out.get("drill")).putObject("duration_ms"), drillMs);
            out.put("cpus", Runtime.getRuntime().availableProcessors());
            out.put("load_average", ManagementFactory.getOperatingSystemMXBean()
                    .getSystemLoadAverage());
        } finally {
            cp.stopEverything();
            cp.close();
            end.countDown();
            holder.stop(0);
            holderThreads.shutdownNow();
        }
        System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    private static Deployer.DeployRequest request(String version) {
        return new Deployer.DeployRequest("demo", version, "bench", false, Duration.ofSeconds(60), "bench", false);
    }

    /** From the last rollback.started to the traffic.switched after it, by the event log's own times. */
    private static long startedToSwitched(ControlPlane cp) {
        List<Event> events = cp.store().events("demo", 0, null, 100_000);
        Event started = null;
        for (Event e : events) {
            if (e.kind().equals(EventKinds.ROLLBACK_STARTED)) {
                started = e;
            }
        }
        if (started == null) {
            throw new IllegalStateException("no rollback.started event");
        }
        for (Event e : events) {
            if (e.id() > started.id() && e.kind().equals(EventKinds.TRAFFIC_SWITCHED)) {
                return Duration.between(started.at(), e.at()).toMillis();
            }
        }
        throw new IllegalStateException("no traffic.switched after rollback.started");
    }

    private static void summary(ObjectNode n, List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        n.put("p50", percentile(sorted, 0.5));
        n.put("p90", percentile(sorted, 0.9));
        n.put("max", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
    }

    private static long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
