package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.demo.Behaviour;
import dev.deployguard.demo.DemoApp;
import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users never see a crashed instance: real demo app processes behind a real router process, one of them killed with
 * SIGKILL under steady load, and the retry of idempotent requests on a configured status.
 */
class RouterFailoverIT {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final List<RouterFixture> routers = new ArrayList<>();

    @AfterEach
    void killAll() {
        routers.forEach(RouterFixture::close);
        for (Process process : processes) {
            process.destroyForcibly();
        }
    }

    @Test
    void killingOneOfTwoInstancesUnderLoadFailsNoRequest() throws Exception {
        int portA = Ports.freeLoopbackPort();
        int portB = Ports.freeLoopbackPort();
        Process a = demoProcess(portA, "a");
        Process b = demoProcess(portB, "b");
        RouterFixture router = launch(List.of());
        String backendA = "127.0.0.1:" + portA;
        String backendB = "127.0.0.1:" + portB;
        router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(backendA, backendB)));

        LongAdder ok = new LongAdder();
        Map<String, LongAdder> byInstance = new ConcurrentHashMap<>();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        int clients = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> loops = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            loops.add(pool.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                                        URI.create("http://" + router.listen() + "/"))
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            ok.increment();
                            String body = response.body().trim();
                            byInstance.computeIfAbsent(body.substring(body.lastIndexOf(' ') + 1),
                                    k -> new LongAdder()).increment();
                        } else {
                            failures.merge("status " + response.statusCode(), 1L, Long::sum);
                        }
                    } catch (Exception e) {
                        failures.merge(e.toString(), 1L, Long::sum);
                    }
                }
                return null;
            }));
        }
        long beforeKill;
        try {
            awaitTrue(Duration.ofSeconds(30), () -> byInstance.containsKey("a") && byInstance.containsKey("b")
                    && ok.sum() >= 1_000);
            b.destroyForcibly();
            assertThat(b.waitFor(10, TimeUnit.SECONDS)).isTrue();
            beforeKill = ok.sum();
            long servedByB = byInstance.get("b").sum();
            awaitTrue(Duration.ofSeconds(60), () -> ok.sum() >= beforeKill + 2_000);
            // Once b is out, only a answers; b's count stops growing (a request or two may have been on their way).
            assertThat(byInstance.get("b").sum()).isLessThanOrEqualTo(servedByB + clients);
        } finally {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(20, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("failover: %d requests in %.1f s (%.0f req/s), %s%n", ok.sum(), seconds,
                ok.sum() / seconds, byInstance);

        assertThat(failures).as("requests that failed around the kill").isEmpty();
        RouterMetrics metrics = router.client().metrics();
        assertThat(metrics.backends()).anySatisfy(health -> {
            assertThat(health.backend()).isEqualTo(backendB);
            assertThat(health.ejections()).isPositive();
            assertThat(health.lastFailure()).isNotBlank();
        });
        assertThat(metrics.backends()).noneSatisfy(health -> assertThat(health.backend()).isEqualTo(backendA));
        assertThat(metrics.track("stable").orElseThrow().status().serverError()).isZero();
        assertThat(a.isAlive()).isTrue();
    }

    @Test
    void anIdempotentRequestAnsweredWithARetryableStatusIsRetriedOnTheOtherBackendAndAPostIsNot() throws Exception {
        try (DemoApp failing = DemoApp.start(0, "bad", new Behaviour(1.0, 0, true, 0));
             DemoApp healthy = DemoApp.start(0, "good", Behaviour.HEALTHY)) {
            RouterFixture router = launch(List.of("-Ddeployguard.router.retryStatuses=500"));
            router.client().putRoutes(RouteTable.single("web", 1, 1,
                    List.of("127.0.0.1:" + failing.port(), "127.0.0.1:" + healthy.port())));

            // Round robin puts every GET on the failing backend first: 10 retries fit the budget's 10 a second.
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://" + router.listen() + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(get.statusCode()).isEqualTo(200);
                assertThat(get.body()).isEqualTo("hello from demo good\n");
            }
            Map<Integer, Long> postStatuses = new java.util.TreeMap<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://" + router.listen() + "/"))
                        .POST(HttpRequest.BodyPublishers.ofString("order")).build(),
                        HttpResponse.BodyHandlers.ofString());
                postStatuses.merge(post.statusCode(), 1L, Long::sum);
            }
            // Round robin sends every other POST to the failing backend, and a POST is never sent twice.
            assertThat(postStatuses).containsEntry(500, 10L).containsEntry(200, 10L);
        }
    }

    @Test
    void aConnectionRefusedIsRetriedOnAnotherBackendAndTheDeadOneIsEjected() throws Exception {
        try (DemoApp healthy = DemoApp.start(0, "good", Behaviour.HEALTHY)) {
            RouterFixture router = launch(List.of());
            String dead = "127.0.0.1:" + Ports.freeLoopbackPort();
            router.client().putRoutes(RouteTable.single("web", 1, 1, List.of(dead, "127.0.0.1:" + healthy.port())));

            for (int i = 0; i < 10; i++) {
                HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://" + router.listen() + "/"))
                        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).as("a POST that never reached an app is retried").isEqualTo(200);
            }
            RouterMetrics metrics = router.client().metrics();
            assertThat(metrics.backends()).singleElement().satisfies(health -> {
                assertThat(health.backend()).isEqualTo(dead);
                assertThat(health.ejections()).isPositive();
                assertThat(health.lastFailure()).contains("refused");
            });
            assertThat(metrics.track("stable").orElseThrow().status().success()).isEqualTo(10);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private RouterFixture launch(List<String> extraJvmOptions) {
        RouterFixture router = RouterFixture.start(dir, "web",
                AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()), extraJvmOptions);
        routers.add(router);
        return router;
    }

    /** The demo app as a process of its own, so that it can be killed with SIGKILL like a crashed instance. */
    private Process demoProcess(int port, String version) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", DemoApp.class.getName(),
                "--port", Integer.toString(port), "--version", version)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("demo-" + version + ".log").toFile());
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process process = builder.start();
        processes.add(process);
        awaitTrue(Duration.ofSeconds(30), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("demo " + version + " exited: " + read(dir.resolve("demo-" + version
                        + ".log")));
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return socket.isConnected();
            } catch (IOException e) {
                return false;
            }
        });
        return process;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void awaitTrue(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
