package dev.deployguard.bench.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deployguard.demo.Behaviour;
import dev.deployguard.demo.DemoApp;
import dev.deployguard.local.process.Ports;
import dev.deployguard.local.router.AppListener;
import dev.deployguard.local.router.HostRouterConfig;
import dev.deployguard.local.router.RouterClient;
import dev.deployguard.local.router.RouterHandle;
import dev.deployguard.local.router.RouterLauncher;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * {@code bench/run router-restart [--kills N] [--workers N] [--json]} (issue 16, "kill -9 of the router: back and
 * serving within 1 s"): the supervised host router serving one app under steady traffic (closed-loop workers, 8 by
 * default), its serving JVM killed with SIGKILL N times (default 10), each once its warm standby is ready. Per kill:
 * the time from the SIGKILL to the first 200 of a request sent after the killed JVM was gone ({@code
 * time_to_serving_ms}), and the requests that failed meanwhile. Prints median, p90 and max, the load average before
 * and after, and the resident memory of the serving JVM and of its standby.
 */
public final class RouterRestartBench {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TOKEN = "bench-router-restart";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private RouterRestartBench() {
    }

    public static void main(String[] args) throws Exception {
        int kills = 10;
        int workers = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--quick" -> kills = 5;
                case "--json" -> {
                    // JSON is the only output.
                }
                default -> {
                    System.err.println("usage: bench/run router-restart [--kills N] [--workers N] [--quick] [--json]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("router-restart-");
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        Path stateDir = dir.resolve("host");
        Path log = dir.resolve("host.log");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "router-restart");
        out.put("kills", kills);
        out.put("workers", workers);
        out.put("loadavg_before", loadAverage());
        try (DemoApp backend = DemoApp.start(0, "v1", Behaviour.HEALTHY)) {
            RouterHandle host = new RouterLauncher().withSupervisor(true).withStartTimeout(Duration.ofSeconds(60))
                    .startHost(new HostRouterConfig(Ports.freeLoopbackPort(), stateDir, tokenFile), log);
            ProcessHandle supervisor = ProcessHandle.of(host.pid()).orElseThrow();
            try {
                RouterClient admin = new RouterClient(host.adminPort(), TOKEN);
                String listen = admin.putApp("web", AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()))
                        .listen();
                admin.forApp("web").putRoutes(RouteTable.single("web", 1, 1,
                        List.of("127.0.0.1:" + backend.port())));
                Traffic traffic = new Traffic(listen, workers);
                List<Long> times = new ArrayList<>();
                List<Long> failed = new ArrayList<>();
                try {
                    for (int k = 1; k <= kills; k++) {
                        ProcessHandle active = RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow();
                        int warm = k;
                        await(Duration.ofSeconds(120), () -> jvms(supervisor).size() == 2
                                && count(log, "waiting to take over") >= warm);
                        long okNow = traffic.ok.sum();
                        await(Duration.ofSeconds(60), () -> traffic.ok.sum() >= okNow + 200);
                        if (k == 1) {
                            out.put("serving_rss_mb", rssMb(active.pid()));
                            jvms(supervisor).stream().filter(p -> p.pid() != active.pid()).findFirst()
                                    .ifPresent(standby -> out.put("standby_rss_mb", rssMb(standby.pid())));
                        }
                        long failedBefore = traffic.failed.sum();
                        long killed = traffic.kill(active);
                        await(Duration.ofSeconds(120), () -> traffic.firstOkStartedAfter.get() != 0);
                        long ms = TimeUnit.NANOSECONDS.toMillis(traffic.firstOkStartedAfter.get() - killed);
                        times.add(ms);
                        failed.add(traffic.failed.sum() - failedBefore);
                        System.err.printf("router-restart: kill %d: serving again after %d ms, %d requests failed%n",
                                k, ms, failed.get(failed.size() - 1));
                    }
                } finally {
                    traffic.stop();
                }
                List<Long> sorted = times.stream().sorted().toList();
                Map<String, Object> serving = new LinkedHashMap<>();
                serving.put("p50", percentile(sorted, 50));
                serving.put("p90", percentile(sorted, 90));
                serving.put("max", sorted.get(sorted.size() - 1));
                serving.put("all", times);
                out.put("time_to_serving_ms", serving);
                out.put("failed_requests", failed);
                out.put("requests_ok", traffic.ok.sum());
            } finally {
                List<ProcessHandle> all = supervisor.descendants().toList();
                supervisor.destroy();
                supervisor.onExit().get(30, TimeUnit.SECONDS);
                for (ProcessHandle p : all) {
                    p.onExit().get(30, TimeUnit.SECONDS);
                }
            }
        }
        out.put("loadavg_after", loadAverage());
        System.out.println(JSON.writeValueAsString(out));
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static List<ProcessHandle> jvms(ProcessHandle supervisor) {
        return supervisor.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
    }

    private static int count(Path log, String text) {
        try {
            return Files.readString(log).split(Pattern.quote(text), -1).length - 1;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    private static long rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            // Gone: reported as -1.
        }
        return -1;
    }

    private static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not reached within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    /** Closed-loop workers: counts, and the first success of a request sent after the killed JVM was gone. */
    private static final class Traffic {
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final AtomicLong firstOkStartedAfter = new AtomicLong();
        private final AtomicLong since = new AtomicLong(Long.MAX_VALUE);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService pool;
        private final List<Future<?>> loops = new ArrayList<>();

        Traffic(String listen, int workers) {
            pool = Executors.newFixedThreadPool(workers);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + listen + "/"))
                    .timeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < workers; i++) {
                loops.add(pool.submit(() -> loop(request)));
            }
        }

        private Void loop(HttpRequest request) throws InterruptedException {
            while (running.get()) {
                long started = System.nanoTime();
                boolean success;
                try {
                    success = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    success = false;
                }
                if (success) {
                    ok.increment();
                    long after = since.get();
                    if (after != Long.MAX_VALUE && started - after >= 0) {
                        firstOkStartedAfter.compareAndSet(0, System.nanoTime());
                    }
                } else {
                    failed.increment();
                    Thread.sleep(2);
                }
            }
            return null;
        }

        /** SIGKILL, then a bounded poll of a few ms until the process is gone (it is not our child: no exit event). */
        long kill(ProcessHandle process) throws InterruptedException {
            firstOkStartedAfter.set(0);
            since.set(Long.MAX_VALUE);
            long killed = System.nanoTime();
            process.destroyForcibly();
            long deadline = killed + TimeUnit.SECONDS.toNanos(10);
            while (process.isAlive() && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }
            since.set(System.nanoTime());
            return killed;
        }

        void stop() throws Exception {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
    }
}
