package dev.deployguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deployguard.local.load.SteadyTraffic;
import dev.deployguard.local.router.RouterLauncher;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 5 / issue 19 "router kill -9 with the control plane down": the router of a local app runs under its
 * own tiny supervisor by default, so a router JVM killed with SIGKILL while the control plane is stopped serves
 * again on its own, with its routes; the control plane started afterwards adopts the same router (the supervisor's
 * pid), and {@code down} leaves neither the supervisor nor the router's JVM behind.
 */
class RouterSelfHealIT {
    /**
     * Issue 16 asks for 1 s: the router's warm standby takes over without a JVM start (RouterSupervisorIT, and
     * bench/run router-restart measures it for docs/reliability.md); the bound here is a hang guard a busy CI machine
     * can keep, and the figure is printed.
     */
    private static final Duration BACK_WITHIN = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    @TempDir
    Path dir;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aRouterKilledWhileTheControlPlaneIsDownServesAgainOnItsOwnAndIsAdoptedAfterwards() throws Exception {
        h = new Harness(dir, "", 2);
        h.startServer();
        h.ok("deploy", "demo", "--version", "v1");
        JsonNode status = h.ok("status", "demo", "-o", "json").json();
        long supervisorPid = status.path("router").path("pid").asLong();
        ProcessHandle supervisor = ProcessHandle.of(supervisorPid).orElseThrow();
        // Two JVMs under it: the one that serves (named by its lock file) and its warm standby.
        ProcessHandle jvm = RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow();
        assertThat(jvms(supervisor)).as("the router's JVMs run under the supervisor whose pid status shows")
                .hasSize(2).contains(jvm);
        assertThat(jvm.info().commandLine().orElse("")).contains("deployguard.router.supervised=true");

        try (SteadyTraffic traffic = new SteadyTraffic(h.app(), 8, 200)) {
            traffic.start();
            // Traffic flowing through the router: the event is answers arriving, not a number of seconds (at a
            // load average of 50 the eight workers had sent fewer than 200 requests after 20 s: a cold client and
            // router on starved cores). The bound is a hang guard.
            awaitAnswers(traffic, 50);
            h.killServer();
            long failedBefore = traffic.failed();
            assertThat(failedBefore).as("failures before the router was killed: %s", traffic.failureSamples())
                    .isZero();

            long killed = System.nanoTime();
            jvm.destroyForcibly();
            // Not our child: onExit would poll every 300 ms or more; a bounded poll of a few milliseconds instead.
            while (jvm.isAlive() && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(10)) {
                Thread.sleep(1);
            }
            assertThat(jvm.isAlive()).as("the killed router JVM is gone").isFalse();
            long backNanos = firstAnswer(killed, Duration.ofSeconds(30));
            Duration back = Duration.ofNanos(backNanos - killed);
            long sentAtBack = traffic.sent();
            long failedAtBack = traffic.failed();
            awaitAnswers(traffic, sentAtBack - failedAtBack + 50);
            long failedAfterBack = traffic.failed();
            traffic.stop();
            System.out.printf("RouterSelfHealIT: router JVM killed with the control plane down, serving again after"
                    + " %d ms; %d of %d requests failed meanwhile%n", back.toMillis(), failedAfterBack,
                    traffic.sent());
            assertThat(back).as("serving again after the kill").isLessThan(BACK_WITHIN);
            assertThat(traffic.failed()).as("no failures after it was back: %s", traffic.failureSamples())
                    .isEqualTo(failedAfterBack);
        }
        ProcessHandle serving = RouterLauncher.activeHostRouterUnder(supervisor).orElseThrow();
        assertThat(serving.pid()).as("its standby serves").isNotEqualTo(jvm.pid());
        List<ProcessHandle> restarted = jvms(supervisor);
        assertThat(h.get()).isEqualTo("hello from demo v1");

        h.startServer();
        JsonNode after = h.ok("status", "demo", "-o", "json").json();
        assertThat(after.path("router").path("pid").asLong()).as("the same router, adopted").isEqualTo(supervisorPid);
        assertThat(h.ok("events", "demo", "-o", "json").json().path("events").findValuesAsText("kind"))
                .contains("router.adopted");
        h.ok("deploy", "demo", "--version", "v2");
        assertThat(h.get()).isEqualTo("hello from demo v2");

        h.ok("down");
        assertThat(supervisor.isAlive()).as("the supervisor after down").isFalse();
        assertThat(restarted).as("the router's JVMs after down").noneMatch(ProcessHandle::isAlive);
    }

    private static List<ProcessHandle> jvms(ProcessHandle supervisor) {
        return supervisor.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).toList();
    }

    /** Waits until {@code answered} requests were answered without failure (bounded), naming the counts if not. */
    private static void awaitAnswers(SteadyTraffic traffic, long answered) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (traffic.sent() - traffic.failed() < answered) {
            assertThat(System.nanoTime()).as("waiting for %d answers through the router: %d sent, %d failed %s",
                    answered, traffic.sent(), traffic.failed(), traffic.failureSamples()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** The moment the app first answers 200 through the router after {@code from}, polled every 10 ms. */
    private long firstAnswer(long from, Duration max) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(h.app()).timeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() - from < max.toNanos()) {
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return System.nanoTime();
                }
            } catch (java.io.IOException e) {
                // Not back yet.
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the router did not serve again within " + max + " of the kill");
    }
}
