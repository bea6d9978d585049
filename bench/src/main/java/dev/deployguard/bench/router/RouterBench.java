package dev.deployguard.bench.router;

import dev.deployguard.local.process.Ports;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.HostRouterConfig;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import dev.deployguard.local.router.RouterMetrics;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * {@code bench/run router [--quick]}: what the DeployGuard router costs and how fast it switches traffic, measured
 * against the backend directly and against nginx on the same machine in the same run. Starts two demo backends
 * (v1, v2), a router (through {@link RouterLauncher}, as the control plane does) and nginx, all on 127.0.0.1, and
 * measures:
 * <ol>
 *     <li>rollback switch time, under a steady 1,000 req/s and under saturating wrk load: PUT round trip, and time
 *     until a back-to-back probe sees only the new version;</li>
 *     <li>throughput (wrk -t1 -c16) direct, through the router and through nginx, in alternating rounds;</li>
 *     <li>latency at a fixed 1,000 req/s (open loop, HdrHistogram) for the same three targets.</li>
 * </ol>
 * Prints one JSON document on stdout; progress goes to stderr. Everything started is stopped at the end, on
 * failure too.
 */
public final class RouterBench {
    static final String APP = "bench";
    static final int FIXED_RATE = 1_000;
    static final int FIXED_RATE_CONNECTIONS = 4;
    static final int WRK_THREADS = 1;
    static final int WRK_CONNECTIONS = 16;
    static final int ROLLBACK_LOAD_CONNECTIONS = 8;
    static final int CANARY_BASIS_POINTS = 500;
    /** How long after the PUT returns the probe must see only the new version before a round counts as settled. */
    static final long SETTLE_MS = 100;
    static final int SETTLE_MIN_PROBES = 20;
    static final long ROUND_TIMEOUT_MS = 5_000;
    /** Other processes' CPU use above which a measurement gets a note. */
    static final double FOREIGN_NOTE_CORES = 0.2;
    static final List<String> BACKEND_JVM_OPTIONS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");

    /** How much of everything one run does. */
    record Settings(String mode, int rollbackRounds, boolean saturatedRollback, int throughputRounds,
                    int throughputSeconds, int fixedRounds, double fixedSeconds, int warmupSeconds,
                    double fixedWarmupSeconds, int splitSample) {
        static final Settings FULL = new Settings("full", 30, true, 3, 10, 4, 8, 5, 1.0, 2_000);
        static final Settings QUICK = new Settings("quick", 20, false, 2, 4, 2, 3, 2, 0.5, 1_000);
    }

    private record Target(String name, int port, ProcessHandle proxy) {
        String url() {
            return "http://127.0.0.1:" + port + "/";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Settings settings;
    private final Path dir;
    private final Procs procs;
    private final long startNanos = System.nanoTime();
    private final ObjectNode out = JSON.createObjectNode();
    private final List<String> notes = new ArrayList<>();
    private long generation = 0;
    /** CPU cores used by processes outside this benchmark, per phase and target, one value per run. */
    private final Map<String, Map<String, List<Double>>> foreignRuns = new LinkedHashMap<>();
    private double foreignMax = 0;
    private int foreignMeasurements = 0;
    private int foreignDisturbed = 0;

    private RouterBench(Settings settings, Path dir, Procs procs) {
        this.settings = settings;
        this.dir = dir;
        this.procs = procs;
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.FULL;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                settings = Settings.QUICK;
            } else {
                System.err.println("usage: bench/run router [--quick]");
                System.exit(2);
                return;
            }
        }
        Path dir = Files.createTempDirectory("deployguard-router-bench-");
        Procs procs = new Procs();
        // Only runs when the JVM is stopped from outside (SIGTERM, Ctrl-C): end everything, drop the temp dir.
        Thread hook = new Thread(() -> {
            procs.close();
            deleteQuietly(dir);
        }, "router-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        RouterBench bench = new RouterBench(settings, dir, procs);
        boolean ok = false;
        try {
            bench.run();
            ok = true;
        } catch (Exception | Error e) {
            bench.out.put("error", e.toString());
            bench.out.put("logs", dir.toString());
            throw e;
        } finally {
            bench.log("stopping everything started");
            procs.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
            bench.finish();
            System.out.println(JSON.writeValueAsString(bench.out));
            System.out.flush();
            if (ok) {
                deleteQuietly(dir);
            } else {
                System.err.println("router bench: failed; logs kept in " + dir);
            }
        }
    }

    private void run() throws Exception {
        String wrkVersion = Wrk.version();
        if (wrkVersion == null) {
            throw new IllegalStateException("wrk is not installed (apt-get install -y wrk)");
        }
        Path nginxBinary = Nginx.find();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");

        // 1. Backends, router, nginx.
        int v1Port = Ports.freeLoopbackPort();
        int v2Port = Ports.freeLoopbackPort();
        ProcessHandle v1 = startBackend(javaBin, classPath, "v1", v1Port);
        ProcessHandle v2 = startBackend(javaBin, classPath, "v2", v2Port);
        waitUntilServing(v1Port, "/ready", v1, "demo v1", 30_000);
        waitUntilServing(v2Port, "/ready", v2, "demo v2", 30_000);
        log("backends v1 on " + v1Port + ", v2 on " + v2Port);

        Path routerDir = dir.resolve("router");
        Files.createDirectories(routerDir);
        Path tokenFile = routerDir.resolve("token");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.writeString(tokenFile, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        int routerPort = Ports.freeLoopbackPort();
        int adminPort = Ports.freeLoopbackPort();
        // The host router, as the control plane runs it: one process, this app added over its admin API, and every
        // switch a PUT of /admin/apps/APP/routes on its Netty admin server.
        HostRouterConfig config = new HostRouterConfig(adminPort, routerDir.resolve("state"), tokenFile);
        long launchStart = System.nanoTime();
        RouterHandle router = new RouterLauncher().withStartTimeout(Duration.ofSeconds(30))
                .startHost(config, routerDir.resolve("router.log"));
        RouterClient host = RouterClient.forTokenFile(adminPort, tokenFile);
        host.putApp(APP, AppListener.plain("127.0.0.1:" + routerPort));
        double routerStartMs = (System.nanoTime() - launchStart) / 1e6;
        ProcessHandle routerProcess = Procs.byPid(router.pid(), router.processStart())
                .orElseThrow(() -> new IllegalStateException("router process " + router.pid() + " is gone"));
        procs.add(routerProcess, "router");
        RouterClient client = host.forApp(APP);
        log("host router pid " + router.pid() + " serving " + APP + " on 127.0.0.1:" + routerPort + " (admin " + adminPort + "), started in "
                + Math.round(routerStartMs) + " ms");

        String v1Backend = "127.0.0.1:" + v1Port;
        String v2Backend = "127.0.0.1:" + v2Port;
        ProcessHandle nginxProcess = null;
        int nginxPort = -1;
        String nginxVersion = null;
        if (nginxBinary == null) {
            notes.add("nginx not found: the nginx comparison was skipped (apt-get install -y nginx-light)");
        } else {
            nginxVersion = Nginx.version(nginxBinary);
            nginxPort = Ports.freeLoopbackPort();
            Path nginxDir = dir.resolve("nginx");
            String conf = Nginx.config(nginxDir, nginxPort, v1Port, Track.FULL - CANARY_BASIS_POINTS, v2Port,
                    CANARY_BASIS_POINTS);
            Process nginx = Nginx.start(nginxBinary, nginxDir, conf);
            procs.add(nginx.toHandle(), "nginx");
            nginxProcess = nginx.toHandle();
            waitUntilServing(nginxPort, "/", nginxProcess, "nginx", 15_000);
            log("nginx " + nginxVersion + " on " + nginxPort);
        }

        ObjectNode cfg = out.putObject("config");
        cfg.put("mode", settings.mode());
        cfg.put("cores", Runtime.getRuntime().availableProcessors());
        cfg.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        cfg.put("wrk", wrkVersion);
        cfg.put("nginx", nginxVersion);
        cfg.put("router_jvm_options", String.join(" ", RouterLauncher.DEFAULT_JVM_OPTIONS));
        cfg.put("backend_jvm_options", String.join(" ", BACKEND_JVM_OPTIONS));
        cfg.put("router_start_ms", r1(routerStartMs));
        cfg.put("router", "host router (HostRouterMain), one app; switches PUT /admin/apps/" + APP + "/routes");
        cfg.put("throughput", "wrk -t" + WRK_THREADS + " -c" + WRK_CONNECTIONS + " -d" + settings.throughputSeconds()
                + "s --latency; " + settings.throughputRounds() + " rounds per target, alternating order");
        cfg.put("fixed_rate", FIXED_RATE + " req/s open loop, " + FIXED_RATE_CONNECTIONS + " keep-alive connections, "
                + settings.fixedSeconds() + " s x " + settings.fixedRounds()
                + " rounds per target, latency from the scheduled send time (HdrHistogram)");
        cfg.put("warmup_s_per_target", settings.warmupSeconds());
        cfg.put("proxy_split", (Track.FULL - CANARY_BASIS_POINTS) / 100.0 + "% v1 / " + CANARY_BASIS_POINTS / 100.0
                + "% v2 (router: weighted random draw; nginx: weighted round robin, keepalive 64)");
        cfg.put("direct_target", "demo v1 (JDK HttpServer, 16 threads)");
        cfg.put("state_file_fsync_ms", r3(fsyncMillis(routerDir)));

        // Router and nginx carry 95/5 like a canary; everything is warmed up before anything is measured.
        client.putRoutes(split(++generation, v1Backend, v2Backend, CANARY_BASIS_POINTS));
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("direct", v1Port, null));
        targets.add(new Target("router", routerPort, routerProcess));
        if (nginxProcess != null) {
            targets.add(new Target("nginx", nginxPort, nginxProcess));
        }
        ObjectNode observed = cfg.putObject("observed_split_pct_v2");
        for (Target t : targets) {
            if (t.proxy() != null) {
                observed.put(t.name(), r1(observedShare(t.port(), 2, settings.splitSample()) * 100));
            }
        }
        procs.checkAlive("start-up");
        for (Target t : targets) {
            log("warming up " + t.name());
            Wrk.run(procs, WRK_THREADS, WRK_CONNECTIONS, settings.warmupSeconds(), t.url());
            FixedRateClient.run(t.port(), FIXED_RATE, settings.fixedWarmupSeconds(), FIXED_RATE_CONNECTIONS);
        }

        procs.checkAlive("warm-up");

        // 2. Rollback switch time: under steady load (the headline figure), then with only the probe, then under
        // saturating load.
        ObjectNode rollback = rollback(client, routerPort, v1Backend, v2Backend, Load.STEADY,
                settings.rollbackRounds());
        rollback.set("without_load", rollback(client, routerPort, v1Backend, v2Backend, Load.NONE, 10));
        if (settings.saturatedRollback()) {
            rollback.set("under_saturating_load", rollback(client, routerPort, v1Backend, v2Backend,
                    Load.SATURATING, settings.rollbackRounds()));
        } else {
            notes.add("--quick: rollback under saturating load skipped");
        }
        out.set("rollback_switch_ms", rollback);

        // 3. Throughput and latency.
        client.putRoutes(split(++generation, v1Backend, v2Backend, CANARY_BASIS_POINTS));
        long routerRequestsBefore = routerRequests(client);
        throughput(targets, routerProcess, v1, v2);
        fixedRate(targets);
        routerReport(client, routerRequestsBefore);
    }

    // ---- rollback ------------------------------------------------------------------------------------------------

    /** The load carried by the router while the rollback rounds run. */
    private enum Load {
        /** Only the probe: what the switch costs when nothing else competes for the CPU. */
        NONE,
        /** {@link #FIXED_RATE} req/s open loop: a busy but not saturated router, as in production. */
        STEADY,
        /** wrk -c8 closed loop: the router and the machine at 100%, a worst case. */
        SATURATING
    }

    private ObjectNode rollback(RouterClient client, int routerPort, String v1Backend, String v2Backend,
                                Load kind, int rounds) throws Exception {
        client.putRoutes(split(++generation, v1Backend, v2Backend, Track.FULL)); // 100% v2
        // Warm the admin path (client JSON, router handler) with no-op PUTs of the table in force.
        RouteTable current = client.routes();
        for (int i = 0; i < 5; i++) {
            client.putRoutes(current);
        }
        long maxNanos = TimeUnit.SECONDS.toNanos(90);
        int loadSeconds = (int) Math.min(120, 10 + rounds * (ROUND_TIMEOUT_MS / 1000 + 1));
        String loadText = switch (kind) {
            case NONE -> "none besides the probe";
            case STEADY -> FIXED_RATE + " req/s open loop on " + FIXED_RATE_CONNECTIONS
                    + " connections (not saturating)";
            case SATURATING -> "wrk -t" + WRK_THREADS + " -c" + ROLLBACK_LOAD_CONNECTIONS + " closed loop (saturating)";
        };
        log("rollback: " + rounds + " switches under " + loadText);
        CpuMeter meter = CpuMeter.start();
        Wrk.Running wrkLoad = null;
        AtomicBoolean stopSteady = new AtomicBoolean();
        CompletableFuture<FixedRateClient.Result> steadyLoad = null;
        if (kind == Load.SATURATING) {
            wrkLoad = Wrk.start(procs, WRK_THREADS, ROLLBACK_LOAD_CONNECTIONS, loadSeconds,
                    "http://127.0.0.1:" + routerPort + "/");
        } else if (kind == Load.STEADY) {
            steadyLoad = CompletableFuture.supplyAsync(() -> {
                try {
                    return FixedRateClient.run(routerPort, FIXED_RATE, loadSeconds, FIXED_RATE_CONNECTIONS,
                            stopSteady::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
        RollbackProbe probe = new RollbackProbe(routerPort, 1 << 20, maxNanos);
        Thread probeThread = new Thread(probe, "rollback-probe");
        probeThread.setDaemon(true);
        List<Double> put = new ArrayList<>();
        List<Double> health = new ArrayList<>();
        List<Double> moved = new ArrayList<>();
        List<Double> movedToV1 = new ArrayList<>();
        List<Double> movedToV2 = new ArrayList<>();
        int notMoved = 0;
        long staleAfterAck = 0;
        long probeErrors = 0;
        long probeRequests = 0;
        Histogram probeRtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        double loadRps = Double.NaN;
        long loadErrors = -1;
        double foreign;
        boolean completed = false;
        try {
            Thread.sleep(kind == Load.NONE ? 100 : 1_000); // let the load settle
            probeThread.start();
            if (!waitForRun(probe, 0, 2, SETTLE_MIN_PROBES, 0, 5_000)) {
                procs.checkAlive("rollback set-up");
                throw new IllegalStateException("the probe never saw 100% v2 through the router before the rounds");
            }
            for (int round = 0; round < rounds; round++) {
                boolean toV1 = round % 2 == 0; // first a rollback v2 -> v1, then forward again, and so on
                int to = toV1 ? 1 : 2;
                RouteTable table = split(++generation, v1Backend, v2Backend, toV1 ? 0 : Track.FULL);
                int mark = probe.size();
                long t0 = System.nanoTime();
                client.putRoutes(table);
                long t1 = System.nanoTime();
                put.add((t1 - t0) / 1e6);
                boolean settled = waitForRun(probe, mark, to, SETTLE_MIN_PROBES, t1, ROUND_TIMEOUT_MS);
                int end = probe.size();
                long h0 = System.nanoTime();
                client.health();
                health.add((System.nanoTime() - h0) / 1e6);
                int lastOther = -1;
                for (int i = mark; i < end; i++) {
                    int v = probe.version(i);
                    if (v != to) {
                        lastOther = i;
                        if (probe.sent(i) - t1 > 0) {
                            staleAfterAck++;
                        }
                    }
                    if (v <= 0) {
                        probeErrors++;
                    }
                    probeRtt.recordValue(Math.max(0, probe.received(i) - probe.sent(i)));
                }
                probeRequests += end - mark;
                int first = lastOther < 0 ? mark : lastOther + 1;
                if (!settled || first >= end) {
                    notMoved++;
                    log("rollback round " + round + ": traffic did not settle on v" + to + " within "
                            + ROUND_TIMEOUT_MS + " ms");
                    continue;
                }
                double ms = Math.max(0, probe.received(first) - t0) / 1e6;
                moved.add(ms);
                (toV1 ? movedToV1 : movedToV2).add(ms);
                if (round % 10 == 0) {
                    log(String.format("rollback round %d -> v%d: put %.1f ms, moved %.1f ms", round, to,
                            put.get(put.size() - 1), ms));
                }
                Thread.sleep(50);
            }
            completed = true;
        } finally {
            probe.stop();
            probeThread.join(10_000);
            foreign = meter.foreignCores();
            stopSteady.set(true);
            try {
                if (wrkLoad != null) {
                    Wrk.Result w = wrkLoad.interrupt(20);
                    loadRps = w.rps();
                    loadErrors = w.errors();
                } else if (steadyLoad != null) {
                    FixedRateClient.Result f = steadyLoad.get(30, TimeUnit.SECONDS);
                    loadRps = f.seconds() > 0 ? f.ok() / f.seconds() : Double.NaN;
                    loadErrors = f.errors();
                } else {
                    loadRps = 0;
                    loadErrors = 0;
                }
            } catch (Exception e) {
                if (completed) {
                    throw e;
                }
                // The rounds failed already; that failure is the one to report.
            }
        }
        procs.checkAlive("rollback rounds (" + kind.name().toLowerCase() + " load)");
        ObjectNode r = JSON.createObjectNode();
        r.set("put_roundtrip", summary(put));
        r.set("traffic_moved", summary(moved));
        r.put("rounds", rounds);
        // Same client, same connection, no route change: what any admin call costs in the same conditions.
        r.set("admin_get_health_roundtrip", summary(health));
        ObjectNode byDirection = r.putObject("traffic_moved_by_direction");
        byDirection.set("rollback_v2_to_v1", summary(movedToV1));
        byDirection.set("forward_v1_to_v2", summary(movedToV2));
        r.put("rounds_not_settled", notMoved);
        r.put("probe_requests", probeRequests);
        r.put("probe_old_version_after_put_returned", staleAfterAck);
        r.put("probe_errors", probeErrors);
        ObjectNode rtt = r.putObject("probe_rtt_ms");
        rtt.put("p50", r3(probeRtt.getValueAtPercentile(50) / 1e6));
        rtt.put("p99", r3(probeRtt.getValueAtPercentile(99) / 1e6));
        ObjectNode bg = r.putObject("background_load");
        bg.put("kind", loadText);
        bg.put("rps", r1(loadRps));
        bg.put("errors", loadErrors);
        r.put("other_processes_cpu_cores", r2(foreign));
        noteForeign("rollback (" + kind.name().toLowerCase() + " load)", foreign);
        log(String.format("rollback: put median %.1f ms, moved median %.1f ms, max %.1f ms", median(put),
                median(moved), max(moved)));
        return r;
    }

    /**
     * Waits until the probe has, since index {@code from}, at least {@code minProbes} answers sent after
     * {@code afterNanos} and {@link #SETTLE_MS} has passed, with the latest answers all of version {@code to}.
     */
    private static boolean waitForRun(RollbackProbe probe, int from, int to, int minProbes, long afterNanos,
                                      long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long settleAt = afterNanos + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
        while (System.nanoTime() - deadline < 0) {
            if (probe.full()) {
                return false;
            }
            int n = probe.size();
            boolean timeOk = afterNanos == 0 || System.nanoTime() - settleAt >= 0;
            if (timeOk) {
                int tail = 0;
                for (int i = n - 1; i >= from; i--) {
                    if (probe.version(i) != to) {
                        break;
                    }
                    if (afterNanos == 0 || probe.sent(i) - afterNanos > 0) {
                        tail++;
                    }
                }
                if (tail >= minProbes) {
                    return true;
                }
            }
            Thread.sleep(2);
        }
        return false;
    }

    // ---- throughput and fixed-rate latency ----------------------------------------------------------------------

    private void throughput(List<Target> targets, ProcessHandle router, ProcessHandle v1, ProcessHandle v2)
            throws Exception {
        Map<String, List<Wrk.Result>> results = new LinkedHashMap<>();
        Map<String, List<Double>> proxyCpuCores = new LinkedHashMap<>();
        Map<String, List<Double>> proxyCpuUsPerRequest = new LinkedHashMap<>();
        Map<String, List<Double>> backendCpuCores = new LinkedHashMap<>();
        for (Target t : targets) {
            results.put(t.name(), new ArrayList<>());
            proxyCpuCores.put(t.name(), new ArrayList<>());
            proxyCpuUsPerRequest.put(t.name(), new ArrayList<>());
            backendCpuCores.put(t.name(), new ArrayList<>());
        }
        for (int round = 0; round < settings.throughputRounds(); round++) {
            for (Target t : rotate(targets, round)) {
                Duration proxyBefore = t.proxy() == null ? Duration.ZERO : Procs.cpu(t.proxy());
                Duration backendBefore = Procs.cpu(v1).plus(Procs.cpu(v2));
                long wall = System.nanoTime();
                CpuMeter meter = CpuMeter.start();
                Wrk.Result w = Wrk.run(procs, WRK_THREADS, WRK_CONNECTIONS, settings.throughputSeconds(), t.url());
                double foreign = meter.foreignCores();
                foreignRuns.computeIfAbsent("throughput", k -> new LinkedHashMap<>())
                        .computeIfAbsent(t.name(), k -> new ArrayList<>()).add(foreign);
                noteForeign("throughput round " + round + " " + t.name(), foreign);
                double seconds = (System.nanoTime() - wall) / 1e9;
                double backendCpu = Procs.cpu(v1).plus(Procs.cpu(v2)).minus(backendBefore).toNanos() / 1e9;
                backendCpuCores.get(t.name()).add(backendCpu / seconds);
                if (t.proxy() != null) {
                    double proxyCpu = Procs.cpu(t.proxy()).minus(proxyBefore).toNanos() / 1e9;
                    proxyCpuCores.get(t.name()).add(proxyCpu / seconds);
                    if (w.requests() > 0) {
                        proxyCpuUsPerRequest.get(t.name()).add(proxyCpu * 1e6 / w.requests());
                    }
                }
                procs.checkAlive("throughput round " + round + " " + t.name());
                results.get(t.name()).add(w);
                if (w.errors() > 0) {
                    notes.add("throughput round " + round + " " + t.name() + ": " + w.non2xx() + " non-2xx, "
                            + w.socketErrors() + " socket errors");
                }
                log(String.format("throughput round %d %-6s %9.0f req/s  p50 %.3f ms  p99 %.3f ms  (others: %.2f"
                        + " cores)", round, t.name(), w.rps(), w.p50(), w.p99(), foreign));
            }
        }
        ObjectNode rps = out.putObject("throughput_rps");
        ObjectNode perRound = JSON.createObjectNode();
        ObjectNode saturated = JSON.createObjectNode();
        ObjectNode cpu = JSON.createObjectNode();
        for (Target t : targets) {
            List<Wrk.Result> rs = results.get(t.name());
            rps.put(t.name(), Math.round(median(rs.stream().map(Wrk.Result::rps).toList())));
            ArrayNode rounds = perRound.putArray(t.name());
            rs.forEach(w -> rounds.add(Math.round(w.rps())));
            ObjectNode lat = saturated.putObject(t.name());
            lat.put("p50", r3(median(rs.stream().map(Wrk.Result::p50).toList())));
            lat.put("p99", r3(median(rs.stream().map(Wrk.Result::p99).toList())));
            lat.put("errors", rs.stream().mapToLong(Wrk.Result::errors).sum());
            ObjectNode c = cpu.putObject(t.name());
            if (t.proxy() != null) {
                c.put("proxy_cores", r2(median(proxyCpuCores.get(t.name()))));
                c.put("proxy_cpu_us_per_request", r1(median(proxyCpuUsPerRequest.get(t.name()))));
            }
            c.put("backend_cores", r2(median(backendCpuCores.get(t.name()))));
        }
        double direct = rps.get("direct").asDouble();
        ObjectNode ratio = out.putObject("throughput_ratio");
        for (Target t : targets) {
            if (t.proxy() != null) {
                ratio.put(t.name(), r3(rps.get(t.name()).asDouble() / direct));
            }
        }
        if (rps.has("nginx") && rps.get("nginx").asDouble() > 0) {
            ratio.put("router_vs_nginx", r3(rps.get("router").asDouble() / rps.get("nginx").asDouble()));
        }
        out.set("throughput_rps_rounds", perRound);
        out.set("saturated_latency_ms", saturated);
        out.set("cpu_during_throughput", cpu);
    }

    private void fixedRate(List<Target> targets) throws Exception {
        Map<String, Histogram> merged = new LinkedHashMap<>();
        Map<String, List<double[]>> rounds = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Target t : targets) {
            merged.put(t.name(), new Histogram(TimeUnit.SECONDS.toNanos(60), 3));
            rounds.put(t.name(), new ArrayList<>());
            counts.put(t.name(), new long[3]);
        }
        for (int round = 0; round < settings.fixedRounds(); round++) {
            for (Target t : rotate(targets, round + 1)) {
                CpuMeter meter = CpuMeter.start();
                FixedRateClient.Result r = FixedRateClient.run(t.port(), FIXED_RATE, settings.fixedSeconds(),
                        FIXED_RATE_CONNECTIONS);
                double foreign = meter.foreignCores();
                foreignRuns.computeIfAbsent("fixed_rate", k -> new LinkedHashMap<>())
                        .computeIfAbsent(t.name(), k -> new ArrayList<>()).add(foreign);
                noteForeign("fixed-rate round " + round + " " + t.name(), foreign);
                procs.checkAlive("fixed-rate round " + round + " " + t.name());
                merged.get(t.name()).add(r.histogram());
                rounds.get(t.name()).add(new double[] {r.p(50), r.p(99)});
                long[] c = counts.get(t.name());
                c[0] += r.ok();
                c[1] += r.errors();
                c[2] += r.dropped();
                log(String.format("fixed-rate round %d %-6s p50 %.3f ms  p99 %.3f ms  (%d ok, %d errors; others: %.2f"
                        + " cores)", round, t.name(), r.p(50), r.p(99), r.ok(), r.errors(), foreign));
            }
        }
        ObjectNode fixed = out.putObject("fixed_rate_latency_ms");
        fixed.put("rate", FIXED_RATE);
        fixed.put("definition", "p50/p99: median over rounds of each round's percentile; latency measured from each"
                + " request's scheduled send time");
        for (Target t : targets) {
            Histogram h = merged.get(t.name());
            ObjectNode n = fixed.putObject(t.name());
            // Median over rounds: one round disturbed by other processes does not decide the figure.
            n.put("p50", r3(median(rounds.get(t.name()).stream().map(p -> p[0]).toList())));
            n.put("p99", r3(median(rounds.get(t.name()).stream().map(p -> p[1]).toList())));
            ArrayNode p50s = n.putArray("p50_rounds");
            rounds.get(t.name()).forEach(p -> p50s.add(r3(p[0])));
            ArrayNode p99s = n.putArray("p99_rounds");
            rounds.get(t.name()).forEach(p -> p99s.add(r3(p[1])));
            ObjectNode all = n.putObject("all_rounds_merged");
            all.put("p50", r3(h.getValueAtPercentile(50) / 1e6));
            all.put("p90", r3(h.getValueAtPercentile(90) / 1e6));
            all.put("p99", r3(h.getValueAtPercentile(99) / 1e6));
            all.put("p999", r3(h.getValueAtPercentile(99.9) / 1e6));
            all.put("max", r3(h.getMaxValue() / 1e6));
            long[] c = counts.get(t.name());
            n.put("requests", c[0]);
            n.put("errors", c[1]);
            n.put("dropped", c[2]);
            if (c[1] > 0 || c[2] > 0) {
                notes.add("fixed-rate " + t.name() + ": " + c[1] + " errors, " + c[2] + " requests not sent");
            }
        }
        ObjectNode added = out.putObject("added_latency_ms");
        ObjectNode direct = (ObjectNode) fixed.get("direct");
        for (Target t : targets) {
            if (t.proxy() == null) {
                continue;
            }
            ObjectNode n = (ObjectNode) fixed.get(t.name());
            ObjectNode a = added.putObject(t.name());
            a.put("p50", r3(n.get("p50").asDouble() - direct.get("p50").asDouble()));
            a.put("p99", r3(n.get("p99").asDouble() - direct.get("p99").asDouble()));
            // Per round, against the direct run of the same round: shows how much of the p99 gap is noise.
            List<Double> perRound = new ArrayList<>();
            List<double[]> mine = rounds.get(t.name());
            List<double[]> base = rounds.get("direct");
            for (int i = 0; i < Math.min(mine.size(), base.size()); i++) {
                perRound.add(mine.get(i)[1] - base.get(i)[1]);
            }
            ArrayNode pr = a.putArray("p99_by_round");
            perRound.forEach(d -> pr.add(r3(d)));
        }
    }

    private void routerReport(RouterClient client, long requestsBefore) {
        try {
            RouterMetrics m = client.metrics(Long.MAX_VALUE);
            ObjectNode r = out.putObject("router_reported");
            long requests = 0;
            long serverErrors = 0;
            long proxyErrors = 0;
            for (RouterMetrics.TrackMetrics t : m.tracks()) {
                requests += t.requests();
                serverErrors += t.status().serverError();
                proxyErrors += t.proxyErrors();
            }
            r.put("generation", m.generation());
            r.put("requests_in_generation", requests);
            r.put("requests_since_measurements_began", requests - requestsBefore);
            r.put("5xx", serverErrors);
            r.put("proxy_errors", proxyErrors);
        } catch (RuntimeException e) {
            notes.add("could not read the router's metrics: " + e.getMessage());
        }
    }

    private static long routerRequests(RouterClient client) {
        try {
            return client.metrics(Long.MAX_VALUE).tracks().stream().mapToLong(RouterMetrics.TrackMetrics::requests)
                    .sum();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    // ---- result ---------------------------------------------------------------------------------------------------

    /** A verdict, or "inconclusive: ..." when other processes disturbed the measurements it rests on. */
    private static void verdict(ObjectNode verdict, String name, boolean met, String disturbance) {
        if (disturbance == null) {
            verdict.put(name, met);
        } else {
            verdict.put(name, "inconclusive (" + (met ? "met" : "not met") + ", but " + disturbance + ")");
        }
    }

    /** Null when the median of other processes' CPU use stayed below the note threshold, else why not. */
    private static String disturbed(List<Double> foreign) {
        double m = median(foreign);
        if (Double.isNaN(m) || m < FOREIGN_NOTE_CORES) {
            return null;
        }
        return String.format("other processes used a median %.2f cores meanwhile", m);
    }

    private List<Double> foreignValues(String phase) {
        List<Double> all = new ArrayList<>();
        foreignRuns.getOrDefault(phase, Map.of()).values().forEach(all::addAll);
        return all;
    }

    /**
     * The headline of issue 16 at the top of the JSON: router throughput over nginx's, the router's added p99 at
     * 1,000 req/s over nginx's (both against direct, same run), and the median time until all new requests go to the
     * other release after a route change under steady load. Missing figures are null.
     */
    private void routerVsNginx(ObjectNode verdict) {
        ObjectNode headline = JSON.createObjectNode();
        double throughput = out.at("/throughput_ratio/router_vs_nginx").asDouble(Double.NaN);
        double routerP99 = out.at("/added_latency_ms/router/p99").asDouble(Double.NaN);
        double nginxP99 = out.at("/added_latency_ms/nginx/p99").asDouble(Double.NaN);
        // An added p99 at or below zero is within the noise of the direct run; the ratio is then meaningless.
        double p99Ratio = nginxP99 > 0 ? routerP99 / nginxP99 : Double.NaN;
        double switchP50 = out.at("/rollback_switch_ms/traffic_moved/median").asDouble(Double.NaN);
        putOrNull(headline, "throughput_ratio", r3(throughput));
        putOrNull(headline, "added_p99_ratio", r3(p99Ratio));
        putOrNull(headline, "switch_ms_p50", r2(switchP50));
        headline.put("added_p99_ms_router", r3(routerP99));
        headline.put("added_p99_ms_nginx", r3(nginxP99));
        if (!Double.isNaN(throughput)) {
            verdict(verdict, "router_throughput_ge_1_0x_nginx", throughput >= 1.0,
                    disturbed(foreignValues("throughput")));
        }
        if (!Double.isNaN(routerP99) && !Double.isNaN(nginxP99)) {
            verdict(verdict, "router_added_p99_le_nginx", routerP99 <= nginxP99,
                    disturbed(foreignValues("fixed_rate")));
        }
        if (!Double.isNaN(switchP50)) {
            verdict(verdict, "switch_p50_le_10ms", switchP50 <= 10, disturbed(List.of(
                    out.at("/rollback_switch_ms/other_processes_cpu_cores").asDouble(Double.NaN))));
        }
        // First in the document, so a reader sees the verdict at once.
        ObjectNode reordered = JSON.createObjectNode();
        reordered.set("router_vs_nginx", headline);
        reordered.setAll(out);
        out.removeAll();
        out.setAll(reordered);
    }

    private static void putOrNull(ObjectNode node, String field, Double value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    /** Flags a measurement during which other processes used a noticeable share of the machine. */
    private void noteForeign(String what, double cores) {
        foreignMeasurements++;
        if (!Double.isNaN(cores)) {
            foreignMax = Math.max(foreignMax, cores);
        }
        if (cores >= FOREIGN_NOTE_CORES) {
            foreignDisturbed++;
            log(String.format("%s: other processes on this machine used %.2f cores meanwhile", what, cores));
        }
    }

    private void finish() {
        ObjectNode verdict = JSON.createObjectNode();
        routerVsNginx(verdict);
        if (out.has("rollback_switch_ms")) {
            double movedMax = out.at("/rollback_switch_ms/traffic_moved/max").asDouble(Double.NaN);
            double putMax = out.at("/rollback_switch_ms/put_roundtrip/max").asDouble(Double.NaN);
            double movedP90 = out.at("/rollback_switch_ms/traffic_moved/p90").asDouble(Double.NaN);
            double putP90 = out.at("/rollback_switch_ms/put_roundtrip/p90").asDouble(Double.NaN);
            String rollbackNoise = disturbed(List.of(
                    out.at("/rollback_switch_ms/other_processes_cpu_cores").asDouble(Double.NaN)));
            verdict(verdict, "switch_p90_under_100ms", movedP90 < 100 && putP90 < 100, rollbackNoise);
            verdict(verdict, "switch_max_under_100ms", movedMax < 100 && putMax < 100, rollbackNoise);
            JsonNode saturated = out.at("/rollback_switch_ms/under_saturating_load");
            if (!saturated.isMissingNode()) {
                verdict(verdict, "switch_p90_under_100ms_when_saturated",
                        saturated.at("/traffic_moved/p90").asDouble(Double.NaN) < 100
                                && saturated.at("/put_roundtrip/p90").asDouble(Double.NaN) < 100,
                        disturbed(List.of(saturated.at("/other_processes_cpu_cores").asDouble(Double.NaN))));
            }
        }
        if (out.has("added_latency_ms")) {
            double p99 = out.at("/added_latency_ms/router/p99").asDouble(Double.NaN);
            verdict(verdict, "router_added_p99_le_1ms", p99 <= 1.0, disturbed(foreignValues("fixed_rate")));
        }
        if (out.has("throughput_ratio")) {
            double router = out.at("/throughput_ratio/router").asDouble(Double.NaN);
            String throughputNoise = disturbed(foreignValues("throughput"));
            verdict(verdict, "router_throughput_ge_0_8x_direct", router >= 0.8, throughputNoise);
            if (out.at("/throughput_ratio/nginx").isNumber()) {
                double nginx = out.at("/throughput_ratio/nginx").asDouble();
                verdict(verdict, "nginx_throughput_ge_0_8x_direct", nginx >= 0.8, throughputNoise);
                notes.add(String.format("throughput: router %.2fx direct, nginx %.2fx direct; load generator, proxy"
                        + " and backend share %d cores, so >= 0.8x is out of reach for any proxy here (FACTS:"
                        + " nginx 0.59x); compare the router with nginx", router, nginx,
                        Runtime.getRuntime().availableProcessors()));
            }
        }
        out.set("verdict", verdict);
        if (!foreignRuns.isEmpty()) {
            ObjectNode others = out.putObject("other_processes_cpu_cores");
            others.put("max", r2(foreignMax));
            foreignRuns.forEach((phase, byTarget) -> {
                ObjectNode p = others.putObject(phase);
                byTarget.forEach((target, values) -> {
                    ArrayNode a = p.putArray(target);
                    values.forEach(v -> a.add(r2(v)));
                });
            });
            if (foreignDisturbed > 0) {
                notes.add(0, String.format("the machine was shared: in %d of %d measurements other processes used"
                        + " >= %.1f cores (up to %.2f of %d; see other_processes_cpu_cores); absolute figures are"
                        + " skewed, compare targets within the same run", foreignDisturbed, foreignMeasurements,
                        FOREIGN_NOTE_CORES, foreignMax, Runtime.getRuntime().availableProcessors()));
            }
        }
        ArrayNode n = out.putArray("notes");
        notes.forEach(n::add);
        out.put("elapsed_s", r1((System.nanoTime() - startNanos) / 1e9));
    }

    // ---- processes ------------------------------------------------------------------------------------------------

    private ProcessHandle startBackend(String javaBin, String classPath, String version, int port)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBin);
        command.addAll(BACKEND_JVM_OPTIONS);
        command.addAll(List.of("-cp", classPath, "dev.deployguard.demo.DemoApp", "--port", Integer.toString(port),
                "--version", version));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("backend-" + version + ".log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().remove("DEMO_BEHAVIOUR");
        builder.environment().remove("PORT");
        Process process = builder.start();
        procs.add(process.toHandle(), "demo " + version);
        return process.toHandle();
    }

    /** Polls GET path until it answers 200, the process dies, or the timeout passes. */
    private static void waitUntilServing(int port, String path, ProcessHandle process, String name, long timeoutMs)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited before serving on 127.0.0.1:" + port);
            }
            try (MiniHttp http = new MiniHttp(port, path, 1_000)) {
                int status = http.get();
                if (status == 200) {
                    return;
                }
                last = "status " + status;
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + " did not serve on 127.0.0.1:" + port + " within " + timeoutMs
                + " ms (" + last + ")");
    }

    /** Share of {@code n} sequential requests answered by the given demo version. */
    private static double observedShare(int port, int version, int n) throws IOException {
        int hits = 0;
        try (MiniHttp http = new MiniHttp(port, "/", 5_000)) {
            for (int i = 0; i < n; i++) {
                http.get();
                if (http.lastVersion() == version) {
                    hits++;
                }
            }
        }
        return hits / (double) n;
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** A table with track stable (v1) and canary (v2), the canary at {@code canaryBasisPoints}. */
    private static RouteTable split(long generation, String v1Backend, String v2Backend, int canaryBasisPoints) {
        return new RouteTable(APP, generation, List.of(
                new Track("stable", 1, Track.FULL - canaryBasisPoints, List.of(v1Backend)),
                new Track("canary", 2, canaryBasisPoints, List.of(v2Backend))));
    }

    private static <T> List<T> rotate(List<T> list, int by) {
        List<T> r = new ArrayList<>(list);
        java.util.Collections.rotate(r, -(by % list.size()));
        return r;
    }

    /** Median time of writing a small file, forcing it and its directory: the router's save on every PUT. */
    private static double fsyncMillis(Path dir) {
        List<Double> times = new ArrayList<>();
        Path file = dir.resolve("fsync-probe");
        byte[] bytes = "{\"probe\": true}\n".repeat(20).getBytes(StandardCharsets.UTF_8);
        try {
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.write(ByteBuffer.wrap(bytes));
                    ch.force(true);
                }
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                } catch (IOException | UnsupportedOperationException ignored) {
                    // as the router: best effort
                }
                times.add((System.nanoTime() - t0) / 1e6);
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            return Double.NaN;
        }
        return median(times);
    }

    static ObjectNode summary(List<Double> values) {
        ObjectNode n = JSON.createObjectNode();
        n.put("median", r2(median(values)));
        n.put("p90", r2(percentile(values, 90)));
        n.put("max", r2(max(values)));
        n.put("count", values.size());
        return n;
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    /** Linear interpolation between closest ranks; NaN for an empty list. NaN values are ignored. */
    static double percentile(List<Double> values, double p) {
        double[] v = values.stream().filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100.0 * (v.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return v[lo] + (v[hi] - v[lo]) * (rank - lo);
    }

    static double max(List<Double> values) {
        return values.stream().filter(d -> !d.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private static Double r1(double v) {
        return round(v, 10);
    }

    private static Double r2(double v) {
        return round(v, 100);
    }

    private static Double r3(double v) {
        return round(v, 1000);
    }

    private static Double round(double v, double scale) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * scale) / scale;
    }

    private void log(String message) {
        System.err.printf("[router-bench %5.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, message);
    }

    private static void deleteQuietly(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("router bench: could not delete " + root + ": " + e.getMessage());
        }
    }
}
