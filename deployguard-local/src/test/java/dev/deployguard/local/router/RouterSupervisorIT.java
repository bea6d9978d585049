package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/**
 * A supervised host router whose JVM is killed with SIGKILL serves again on its own, with its routes, as the same
 * router; a stop ends every process. (The one-app router's supervisor, tested here before, is gone with it.)
 */
class RouterSupervisorIT {
    private static final String TOKEN = "supervisor-token";
    private static final String ROTATED = "rotated-token";
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
                List<ProcessHandle> workers = supervisor.descendants().toList();
                supervisor.destroyForcibly();
                workers.forEach(ProcessHandle::destroyForcibly);
            });
        }
    }

    /**
     * The host router under steady traffic: a SIGKILL of its warm standby changes nothing for users and the standby
     * is replaced; a SIGKILL of the JVM that serves is covered by the standby, which serves again without a JVM
     * start (the time and the failed requests are printed); twice in a row; a stop then ends every process.
     */
    @Test
    void aKilledHostRouterIsReplacedByItsWarmStandby() throws Exception {
        try (DemoApp app = DemoApp.start(0, "v1", Behaviour.HEALTHY)) {
            Path tokenFile = Files.writeString(dir.resolve("router.token"), TOKEN + "\n");
            Path stateDir = dir.resolve("routers");
            Path log = dir.resolve("host-router.log");
            HostRouterConfig config = new HostRouterConfig(Ports.freeLoopbackPort(), stateDir, tokenFile);
            handle = new RouterLauncher().withSupervisor(true).withStartTimeout(Duration.ofSeconds(30))
                    .startHost(config, log);
            // A long timeout: the first HTTPS app loads the JDK's TLS classes in a cold router (seconds when busy).
            RouterClient host = new RouterClient(handle.adminPort(), TOKEN, Duration.ofSeconds(90));
            String listen = "127.0.0.1:" + Ports.freeLoopbackPort();
            ThrowAwayCertificate certificate = ThrowAwayCertificate.generate(java.time.Instant.now());
            Path cert = Files.writeString(dir.resolve("web.crt"), certificate.certificatePem());
            Path key = Files.writeString(dir.resolve("web.key"), certificate.keyPem());
            int secure = HostPort.parse(host.putApp("web", AppListener.of(listen, "127.0.0.1:"
                    + Ports.freeLoopbackPort(), cert, key, null)).tlsListen()).port();
            host.forApp("web").putRoutes(RouteTable.single("web", 7, 1, List.of("127.0.0.1:" + app.port())));
            ProcessHandle supervisor = ProcessHandle.of(handle.pid()).orElseThrow();
            ProcessHandle active = RouterLauncher.activeHostRouter(stateDir).orElseThrow();
            ProcessHandle standby = awaitStandby(supervisor, active, log, 1);
            // The first standby started with the router, before the app had TLS: it warms TLS up once the app's
            // listener file names a TLS address, while it waits, not at its takeover.
            awaitTrue(Duration.ofSeconds(90), () -> count(log, "TLS warmed up") >= 1);
            assertThat(supervisor.children().map(ProcessHandle::pid).toList())
                    .as("the supervisor's children are the two JVMs themselves: no shell in between to kill")
                    .containsExactlyInAnyOrder(active.pid(), standby.pid());

            Traffic traffic = new Traffic(listen);
            try {
                traffic.awaitOk(200);
                long failedBefore = traffic.failed.sum();
                standby.destroyForcibly();
                standby.onExit().get(10, TimeUnit.SECONDS);
                ProcessHandle replaced = awaitStandby(supervisor, active, log, 2);
                assertThat(replaced.pid()).isNotEqualTo(standby.pid());
                assertThat(Files.readString(log)).as("the supervisor restarted the killed JVM")
                        .contains("starting it again");
                traffic.awaitOk(traffic.ok.sum() + 200);
                assertThat(traffic.failed.sum()).as("requests failed after a SIGKILL of the standby")
                        .isEqualTo(failedBefore);
                assertThat(RouterLauncher.activeHostRouter(stateDir)).contains(active);

                ProcessHandle standbyNow = replaced;
                for (int kill = 1; kill <= 2; kill++) {
                    if (kill == 2) {
                        // Rotated while the standby (started before) waits: it must serve with the file's token.
                        Files.writeString(tokenFile, ROTATED + "\n");
                    }
                    long failedAtKill = traffic.failed.sum();
                    long killed = traffic.kill(active);
                    traffic.awaitServing(Duration.ofSeconds(60));
                    long backMs = TimeUnit.NANOSECONDS.toMillis(traffic.firstOkStartedAfter.get() - killed);
                    System.out.printf("host router: SIGKILL %d of the serving JVM, serving again after %d ms (its warm"
                            + " standby took over); %d requests failed meanwhile, %d succeeded in all%n", kill, backMs,
                            traffic.failed.sum() - failedAtKill, traffic.ok.sum());
                    // Generous for a busy CI machine; the 1 s figure is measured by bench/run router-restart.
                    assertThat(backMs).as("ms from the SIGKILL to serving again").isLessThan(15_000);
                    ProcessHandle now = RouterLauncher.activeHostRouter(stateDir).orElseThrow();
                    assertThat(now).as("the standby serves").isEqualTo(standbyNow);
                    standbyNow = awaitStandby(supervisor, now, log, 2 + kill);
                    active = now;
                }

                // A kill soon after a takeover: the standby that serves now is killed while the next one still warms
                // up; that one takes over at once, partly warm, instead of after the rest of its warm-up.
                int warmingBefore = count(log, "warming up");
                int warmBefore = count(log, "waiting to take over");
                traffic.kill(active);
                traffic.awaitServing(Duration.ofSeconds(60));
                awaitTrue(Duration.ofSeconds(90), () -> count(log, "warming up") > warmingBefore);
                ProcessHandle serving = RouterLauncher.activeHostRouter(stateDir).orElseThrow();
                long failedAtKill = traffic.failed.sum();
                long killed = traffic.kill(serving);
                traffic.awaitServing(Duration.ofSeconds(60));
                long backMs = TimeUnit.NANOSECONDS.toMillis(traffic.firstOkStartedAfter.get() - killed);
                System.out.printf("host router: SIGKILL of the serving JVM while its standby warmed up, serving again"
                        + " after %d ms; %d requests failed meanwhile%n", backMs, traffic.failed.sum() - failedAtKill);
                // A partly warm JVM loads the rest as it serves: at a load of 36 (2 cores) that took 15.4 s once, so
                // the bound is awaitServing's; what this asserts is that it did not finish its warm-up first.
                assertThat(Files.readString(log)).contains("taking over without the rest of it");
                assertThat(count(log, "waiting to take over")).as("the standby did not finish its warm-up first")
                        .isEqualTo(warmBefore);
                active = RouterLauncher.activeHostRouter(stateDir).orElseThrow();
                awaitStandby(supervisor, active, log, warmBefore + 1);
                traffic.awaitOk(traffic.ok.sum() + 200);
            } finally {
                traffic.stop();
            }
            assertThat(Files.readString(log)).as("standbys started once the app served HTTPS warmed TLS up")
                    .contains("TLS warmed up");
            assertThat(httpsStatusLine(secure, certificate)).as("HTTPS after the takeovers").contains(" 200 ");
            RouterClient rotated = new RouterClient(handle.adminPort(), ROTATED);
            assertThat(rotated.hostHealth().pid()).as("the router answers as its supervisor, with the token the file"
                    + " held at the takeover").isEqualTo(handle.pid());
            assertThat(rotated.forApp("web").routes().generation()).as("routes restored from the files").isEqualTo(7);
            assertThatThrownBy(host::hostHealth).as("the token from before the rotation")
                    .isInstanceOf(RouterRejectedException.class);
            assertThat(Files.readString(log)).contains("taking over").contains("changed while it waited");
            assertThat(supervisor.children().map(ProcessHandle::pid).toList()).as("still no shell in between")
                    .containsExactlyInAnyOrderElementsOf(jvms(supervisor).stream().map(ProcessHandle::pid).toList());

            List<ProcessHandle> all = supervisor.descendants().toList();
            supervisor.destroy();
            supervisor.onExit().get(20, TimeUnit.SECONDS);
            for (ProcessHandle process : all) {
                process.onExit().get(20, TimeUnit.SECONDS);
            }
        }
    }

    /** The status line of a GET over HTTPS to 127.0.0.1:{@code port}, trusting only {@code certificate}. */
    private static String httpsStatusLine(int port, ThrowAwayCertificate certificate) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("web", java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(certificate.certificatePem()
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (java.net.Socket socket = context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            return answer.lines().findFirst().orElse("");
        }
    }

    /** The standby under {@code supervisor} besides {@code active}, once it is warm (its n-th warm-up logged). */
    private static ProcessHandle awaitStandby(ProcessHandle supervisor, ProcessHandle active, Path log, int nth) {
        awaitTrue(Duration.ofSeconds(90), () -> jvms(supervisor).size() == 2
                && count(log, "waiting to take over") >= nth);
        return jvms(supervisor).stream().filter(p -> p.pid() != active.pid()).findFirst().orElseThrow();
    }

    private static List<ProcessHandle> jvms(ProcessHandle supervisor) {
        return supervisor.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
    }

    private static int count(Path log, String text) {
        try {
            return Files.readString(log).split(java.util.regex.Pattern.quote(text), -1).length - 1;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Two loops of requests to {@code listen}: counts, and the first success of a request sent after a kill. */
    private static final class Traffic {
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final AtomicLong firstOkStartedAfter = new AtomicLong();
        private final AtomicLong since = new AtomicLong(Long.MAX_VALUE);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService pool = Executors.newFixedThreadPool(2);
        private final List<Future<?>> loops;

        Traffic(String listen) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + listen + "/"))
                    .timeout(Duration.ofSeconds(5)).build();
            loops = List.of(pool.submit(() -> loop(request)), pool.submit(() -> loop(request)));
        }

        private Void loop(HttpRequest request) {
            while (running.get()) {
                long started = System.nanoTime();
                boolean success;
                try {
                    success = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (Exception e) {
                    success = false;
                }
                if (success) {
                    ok.increment();
                    long after = since.get();
                    if (after != Long.MAX_VALUE && started - after >= 0) {
                        firstOkStartedAfter.compareAndSet(0, System.nanoTime());
                    }
                    continue;
                }
                failed.increment();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        }

        long kill(ProcessHandle process) throws Exception {
            firstOkStartedAfter.set(0);
            since.set(Long.MAX_VALUE);
            long killed = System.nanoTime();
            process.destroyForcibly();
            // Not our child, so no exit event here (onExit would poll every 300 ms or more): a bounded poll of a
            // few milliseconds, after which only the new router can answer a request.
            long deadline = killed + TimeUnit.SECONDS.toNanos(10);
            while (process.isAlive() && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
            }
            assertThat(process.isAlive()).as("the killed JVM is gone").isFalse();
            since.set(System.nanoTime());
            return killed;
        }

        void awaitOk(long count) {
            awaitTrue(Duration.ofSeconds(60), () -> ok.sum() >= count);
        }

        void awaitServing(Duration timeout) {
            awaitTrue(timeout, () -> firstOkStartedAfter.get() != 0);
        }

        void stop() throws Exception {
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get(20, TimeUnit.SECONDS);
            }
            pool.shutdown();
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
