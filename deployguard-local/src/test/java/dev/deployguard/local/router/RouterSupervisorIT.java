package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.demo.Behaviour;
import dev.deployguard.demo.DemoApp;
import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A supervised router killed with SIGKILL comes back on its own, with its routes, as the same router. */
class RouterSupervisorIT {
    private static final String TOKEN = "supervisor-token";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @TempDir
    Path dir;

    private RouterHandle handle;

    @AfterEach
    void stop() {
        if (handle != null) {
            ProcessHandle.of(handle.pid()).ifPresent(supervisor -> {
                List<ProcessHandle> workers = supervisor.children().toList();
                supervisor.destroyForcibly();
                workers.forEach(ProcessHandle::destroyForcibly);
            });
        }
    }

    @Test
    void aKilledRouterIsBackWithItsRoutesAndAStoppedOneStopsForGood() throws Exception {
        try (DemoApp app = DemoApp.start(0, "v1", Behaviour.HEALTHY)) {
            Path tokenFile = Files.writeString(dir.resolve("router.token"), TOKEN + "\n");
            RouterConfig config = new RouterConfig("web", "127.0.0.1:" + Ports.freeLoopbackPort(),
                    Ports.freeLoopbackPort(), dir.resolve("web-routes.json"), tokenFile);
            handle = new RouterLauncher().withSupervisor(true).withStartTimeout(Duration.ofSeconds(30))
                    .start(config, dir.resolve("router.log"));
            RouterClient client = new RouterClient(handle.adminPort(), TOKEN);
            client.putRoutes(RouteTable.single("web", 7, 1, List.of("127.0.0.1:" + app.port())));
            ProcessHandle supervisor = ProcessHandle.of(handle.pid()).orElseThrow();
            ProcessHandle worker = supervisor.children().findFirst().orElseThrow();
            assertThat(client.health().pid()).as("the router answers as its supervisor").isEqualTo(handle.pid());

            LongAdder ok = new LongAdder();
            LongAdder failed = new LongAdder();
            AtomicLong lastFailureNanos = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<?>> loops = List.of(pool.submit(() -> load(config, running, ok, failed, lastFailureNanos)),
                    pool.submit(() -> load(config, running, ok, failed, lastFailureNanos)));
            long killedNanos;
            try {
                awaitTrue(Duration.ofSeconds(30), () -> ok.sum() >= 200);
                killedNanos = System.nanoTime();
                worker.destroyForcibly();
                worker.onExit().get(10, TimeUnit.SECONDS);
                long okAtKill = ok.sum();
                awaitTrue(Duration.ofSeconds(60), () -> failed.sum() > 0 && ok.sum() >= okAtKill + 200);
            } finally {
                running.set(false);
                for (Future<?> loop : loops) {
                    loop.get(20, TimeUnit.SECONDS);
                }
                pool.shutdown();
            }
            long downMs = TimeUnit.NANOSECONDS.toMillis(lastFailureNanos.get() - killedNanos);
            System.out.printf("supervised router: SIGKILL of the worker, serving again after <= %d ms; %d requests"
                    + " failed meanwhile, %d succeeded in all%n", downMs, failed.sum(), ok.sum());

            ProcessHandle restarted = supervisor.children().findFirst().orElseThrow();
            assertThat(restarted.pid()).isNotEqualTo(worker.pid());
            assertThat(supervisor.isAlive()).isTrue();
            assertThat(client.health().pid()).isEqualTo(handle.pid());
            assertThat(client.routes().generation()).as("routes restored from the state file").isEqualTo(7);
            assertThat(Files.readString(dir.resolve("router.log"))).contains("starting it again");

            // A stop (SIGTERM to the supervisor, as the control plane does) is final: no restart.
            supervisor.destroy();
            supervisor.onExit().get(20, TimeUnit.SECONDS);
            restarted.onExit().get(20, TimeUnit.SECONDS);
            assertThat(supervisor.children().toList()).isEmpty();
        }
    }

    private static Void load(RouterConfig config, AtomicBoolean running, LongAdder ok, LongAdder failed,
                             AtomicLong lastFailureNanos) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + config.listen() + "/"))
                .timeout(Duration.ofSeconds(5)).build();
        while (running.get()) {
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    ok.increment();
                    continue;
                }
            } catch (Exception e) {
                // Counted below: the router is down.
            }
            failed.increment();
            lastFailureNanos.set(System.nanoTime());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
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
