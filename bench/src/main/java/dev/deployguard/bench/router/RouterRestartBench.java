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
 * and after, and the resident memory of the serving JVM and of its standby. From the router's log: each standby's
 * warm-up ({@code standby_warm_up_ms}) and each takeover from the lock to serving ({@code lock_to_serving_ms}). With
 * {@code --tls} the app also serves HTTPS (a self-signed certificate made with {@code openssl}) and the traffic goes
 * there, so each takeover's first TLS handshakes count. With {@code --soon} every kill after the first comes as soon
 * as the next standby's JVM runs, without waiting for its warm-up (a second failure soon after a takeover).
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
        boolean tls = false;
        boolean soon = false;
        long settleMs = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--quick" -> kills = 5;
                case "--tls" -> tls = true;
                case "--soon" -> soon = true;
                // Waits this long after the standby is warm before each kill (0: at once), so the compiler threads
                // have installed what the warm-up queued, as for a standby that has stood by for a while.
                case "--settle-ms" -> settleMs = Long.parseLong(args[++i]);
                case "--json" -> {
                    // JSON is the only output.
                }
                default -> {
                    System.err.println("usage: bench/run router-restart [--kills N] [--workers N] [--tls] [--soon]"
                            + " [--settle-ms MS] [--quick] [--json]");
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
        out.put("tls", tls);
        out.put("kill_soon_after_takeover", soon);
        out.put("settle_ms", settleMs);
        out.put("loadavg_before", loadAverage());
        try (DemoApp backend = DemoApp.start(0, "v1", Behaviour.HEALTHY)) {
            RouterLauncher launcher = new RouterLauncher().withSupervisor(true)
                    .withStartTimeout(Duration.ofSeconds(60));
            // The router's class-data archive (RouterCds) made first if it is not in place, as every start after the
            // first finds it; DEPLOYGUARD_CDS=off measures the takeover without it.
            out.put("router_class_data_archive", launcher.trainClassData(stateDir));
            RouterHandle host = launcher.startHost(new HostRouterConfig(Ports.freeLoopbackPort(), stateDir, tokenFile),
                    log);
            ProcessHandle supervisor = ProcessHandle.of(host.pid()).orElseThrow();
            try {
                // A long timeout: the first HTTPS app loads the JDK's TLS classes in a cold router, seconds when busy.
                RouterClient admin = new RouterClient(host.adminPort(), TOKEN, Duration.ofSeconds(90));
                String plain = "127.0.0.1:" + Ports.freeLoopbackPort();
                Traffic traffic;
                if (tls) {
                    Path cert = dir.resolve("tls.crt");
                    Path key = dir.resolve("tls.key");
                    selfSigned(cert, key);
                    String secure = admin.putApp("web", AppListener.of(plain, "127.0.0.1:" + Ports.freeLoopbackPort(),
                            cert, key, null)).tlsListen();
                    admin.forApp("web").putRoutes(RouteTable.single("web", 1, 1,
                            List.of("127.0.0.1:" + backend.port())));
                    traffic = new Traffic(URI.create("https://" + secure + "/"), trusting(cert), workers);
                } else {
                    String listen = admin.putApp("web", AppListener.plain(plain)).listen();
                    admin.forApp("web").putRoutes(RouteTable.single("web", 1, 1,
                            List.of("127.0.0.1:" + backend.port())));
                    traffic = new Traffic(URI.create("http://" + listen + "/"), HTTP, workers);
                }
                List<Long> times = new ArrayList<>();
                List<Long> failed = new ArrayList<>();
                try {
                    for (int k = 1; k <= kills; k++) {
                        ProcessHandle active = RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow();
                        int warm = k;
                        if (soon && k > 1) {
                            // Kill again as soon as the next standby's JVM runs, without waiting for its warm-up.
                            await(Duration.ofSeconds(120), () -> jvms(supervisor).size() == 2);
                        } else {
                            await(Duration.ofSeconds(120), () -> jvms(supervisor).size() == 2
                                    && count(log, "waiting to take over") >= warm);
                            long okNow = traffic.ok.sum();
                            await(Duration.ofSeconds(60), () -> traffic.ok.sum() >= okNow + 200);
                            Thread.sleep(settleMs);
                        }
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
                out.put("standby_warm_up_ms", summary(logged(log, "warmed up in (\\d+) ms")));
                out.put("lock_to_serving_ms", summary(logged(log, "apps (\\d+) ms after the lock")));
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

    /** p50, p90, max and all of {@code values} (in their order). */
    private static Map<String, Object> summary(List<Long> values) {
        Map<String, Object> summary = new LinkedHashMap<>();
        if (!values.isEmpty()) {
            List<Long> sorted = values.stream().sorted().toList();
            summary.put("p50", percentile(sorted, 50));
            summary.put("p90", percentile(sorted, 90));
            summary.put("max", sorted.get(sorted.size() - 1));
        }
        summary.put("all", values);
        return summary;
    }

    /** Every number the router's log gives by {@code regex} (its group 1), in order. */
    private static List<Long> logged(Path log, String regex) throws IOException {
        List<Long> values = new ArrayList<>();
        java.util.regex.Matcher matcher = Pattern.compile(regex).matcher(Files.readString(log));
        while (matcher.find()) {
            values.add(Long.parseLong(matcher.group(1)));
        }
        return values;
    }

    /** A self-signed EC certificate for 127.0.0.1 and its PKCS#8 key, made by openssl (no shell). */
    private static void selfSigned(Path cert, Path key) throws IOException, InterruptedException {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "1", "-subj", "/CN=router-restart-bench", "-addext", "subjectAltName=IP:127.0.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IllegalStateException("openssl could not make the benchmark's certificate");
        }
    }

    /** A client trusting only {@code cert}. */
    private static HttpClient trusting(Path cert) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        trusted.load(null, null);
        try (var in = Files.newInputStream(cert)) {
            trusted.setCertificateEntry("bench", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
                .connectTimeout(Duration.ofSeconds(2)).build();
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

        private final HttpClient http;

        Traffic(URI uri, HttpClient http, int workers) {
            this.http = http;
            pool = Executors.newFixedThreadPool(workers);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < workers; i++) {
                loops.add(pool.submit(() -> loop(request)));
            }
        }

        private Void loop(HttpRequest request) throws InterruptedException {
            while (running.get()) {
                long started = System.nanoTime();
                boolean success;
                try {
                    success = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
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
