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
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench/run router-rss [--apps N] [--requests N] [--json]} (issue 16 item 2): the resident memory of the one
 * host router serving N apps (default 20), each on its own address with its own table, after every app served
 * {@code --requests} requests (default 500), under the supervisor with the control plane's JVM options. The RSS read
 * is the serving router JVM's ({@code VmRSS} of {@code /proc/PID/status}, once it settled), peak included
 * ({@code VmHWM}). Prints one JSON document; the output is always JSON ({@code --json} is accepted for symmetry with
 * the other benchmarks, {@code --host-only} for commands written when a one-app router was measured beside it).
 */
public final class HostRouterRssBench {
    static final long TARGET_MB = 64;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TOKEN = "bench-router-rss";

    private HostRouterRssBench() {
    }

    public static void main(String[] args) throws Exception {
        int apps = 20;
        int requests = 500;
        List<String> jvmOptions = new ArrayList<>(RouterLauncher.DEFAULT_JVM_OPTIONS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--apps" -> apps = Integer.parseInt(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                // One more router JVM option after the defaults (repeatable): how each candidate was measured.
                case "--jvm-option" -> jvmOptions.add(args[++i]);
                case "--host-only" -> {
                    // The one-app router it used to compare with is gone: the host router is all there is to measure.
                }
                case "--json", "--quick" -> {
                    // JSON is the only output; there is nothing shorter to run.
                }
                default -> {
                    System.err.println("usage: bench/run router-rss [--apps N] [--requests N] [--jvm-option OPT]..."
                            + " [--json]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("router-rss-");
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "router-rss");
        out.put("apps", apps);
        out.put("requests_per_app", requests);
        out.put("router_jvm_options", String.join(" ", jvmOptions));
        try (DemoApp backend = DemoApp.start(0, "v1", Behaviour.HEALTHY)) {
            String to = "127.0.0.1:" + backend.port();
            RouterLauncher launcher = new RouterLauncher().withSupervisor(true).withJvmOptions(jvmOptions)
                    .withStartTimeout(Duration.ofSeconds(60));
            // The router's class-data archive (RouterCds) made first if it is not in place, so every run measures a
            // router that maps it, as every start after the first does; DEPLOYGUARD_CDS=off measures one without.
            out.put("router_class_data_archive", launcher.trainClassData(dir.resolve("host")));

            RouterHandle host = launcher.startHost(new HostRouterConfig(Ports.freeLoopbackPort(),
                    dir.resolve("host"), tokenFile), dir.resolve("host.log"));
            try {
                RouterClient admin = new RouterClient(host.adminPort(), TOKEN);
                List<String> addresses = new ArrayList<>();
                for (int a = 0; a < apps; a++) {
                    String app = "app" + a;
                    String at = admin.putApp(app, AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()))
                            .listen();
                    admin.forApp(app).putRoutes(RouteTable.single(app, 1, 1, List.of(to)));
                    addresses.add(at);
                }
                for (String at : addresses) {
                    serve(at, requests);
                }
                for (int a = 0; a < apps; a++) {
                    admin.forApp("app" + a).metrics();
                }
                Map<String, Object> row = memory(host.pid());
                log("host router with " + apps + " apps: " + row);
                out.put("host_router", row);
            } finally {
                stop(host.pid());
            }
        }
        // The run's state, logs and the router's own jar (RouterClassPath, about 11 MB) go with it.
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        @SuppressWarnings("unchecked")
        long rss = (long) ((Map<String, Object>) out.get("host_router")).get("rss_mb");
        out.put("target_rss_mb", TARGET_MB);
        out.put("target_met", rss <= TARGET_MB);
        System.out.println(JSON.writeValueAsString(out));
    }

    /** Sends {@code n} GETs over one keep-alive connection (HttpURLConnection reuses it), each answered 200. */
    private static void serve(String address, int n) throws IOException {
        URI uri = URI.create("http://" + address + "/");
        for (int i = 0; i < n; i++) {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(10_000);
            int status = c.getResponseCode();
            try (InputStream body = c.getInputStream()) {
                body.readAllBytes();
            }
            if (status != 200) {
                throw new IllegalStateException(address + " answered " + status);
            }
        }
    }

    /**
     * The router JVM's resident and peak memory (the supervisor's child is the JVM), once settled: read every 1.5 s
     * until two reads are within 1 MB (the JVM gives back the C heap its compilers left on a 1 s period), at most 15 s.
     */
    private static Map<String, Object> memory(long supervisorPid) throws IOException, InterruptedException {
        ProcessHandle supervisor = ProcessHandle.of(supervisorPid).orElseThrow();
        long jvm = RouterLauncher.activeHostRouterUnder(supervisor).or(() -> supervisor.children().findFirst())
                .map(ProcessHandle::pid).orElse(supervisorPid);
        Map<String, Object> row = read(jvm);
        for (int i = 0; i < 10; i++) {
            Thread.sleep(1_500);
            Map<String, Object> next = read(jvm);
            boolean settled = Math.abs((long) next.get("rss_mb") - (long) row.get("rss_mb")) < 1;
            row = next;
            if (settled) {
                break;
            }
        }
        // The warm standby beside it (RouterStandby): classes loaded, no app state; reported, not hidden.
        for (ProcessHandle standby : (Iterable<ProcessHandle>) supervisor.descendants()
                .filter(p -> p.pid() != jvm && p.info().command().map(c -> c.endsWith("/java")).orElse(false))::iterator) {
            row.put("standby_rss_mb", read(standby.pid()).get("rss_mb"));
        }
        return row;
    }

    private static Map<String, Object> read(long jvm) throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("pid", jvm);
        for (String line : Files.readAllLines(Path.of("/proc/" + jvm + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                row.put("rss_mb", kb(line) / 1024);
            } else if (line.startsWith("VmHWM:")) {
                row.put("peak_rss_mb", kb(line) / 1024);
            } else if (line.startsWith("RssAnon:")) {
                row.put("anon_mb", kb(line) / 1024);
            } else if (line.startsWith("RssFile:")) {
                row.put("file_mb", kb(line) / 1024);
            } else if (line.startsWith("Threads:")) {
                row.put("threads", kb(line));
            }
        }
        return row;
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    private static void stop(long supervisorPid) {
        ProcessHandle.of(supervisorPid).ifPresent(p -> {
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy();
            p.onExit().join();
            children.forEach(c -> c.onExit().join());
        });
    }

    private static void log(String message) {
        System.err.println("router-rss: " + message);
    }
}
