package dev.deployguard.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.WebhookSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks against a real HTTP server on loopback: pass, fail after retries, timeout, unreachable. */
class WebhookCallerTest {
    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    volatile int failFirst;
    final CountDownLatch over = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ok", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int n = calls.incrementAndGet();
            int status = n <= failFirst ? 503 : 200;
            byte[] b = (status == 200 ? "fine" : "not yet").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.createContext("/slow", ex -> {
            calls.incrementAndGet();
            try {
                // Answers only when the test is over: the caller's timeout is the only way out, however slow the machine.
                over.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    @AfterEach
    void stop() {
        over.countDown();
        server.stop(0);
    }

    WebhookSpec hook(String path, int retries, Duration timeout) {
        return new WebhookSpec("smoke", "acceptance", "http://127.0.0.1:" + server.getAddress().getPort() + path,
                timeout, retries, "rollback");
    }

    @Test
    void passesOn2xxAndSendsTheRolloutContext() {
        Observation o = new WebhookCaller().call(hook("/ok", 0, Duration.ofSeconds(2)), Map.of("canaryRevision", 7));
        assertThat(o.webhookPassed()).isTrue();
        assertThat(bodies).singleElement().asString().contains("\"canaryRevision\":7", "\"type\":\"acceptance\"");
    }

    @Test
    void retriesThenPassesOrFailsWithTheLastAnswer() {
        failFirst = 2;
        assertThat(new WebhookCaller().call(hook("/ok", 2, Duration.ofSeconds(2)), Map.of()).webhookDetail())
                .contains("HTTP 200 after 3 attempt(s)");
        calls.set(0);
        failFirst = 5;
        Observation o = new WebhookCaller().call(hook("/ok", 1, Duration.ofSeconds(2)), Map.of());
        assertThat(o.webhookPassed()).isFalse();
        assertThat(o.webhookDetail()).contains("HTTP 503: not yet", "2 attempt(s)");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void aSlowHookTimesOutAndAnUnreachableOneSaysSo() {
        Observation slow = new WebhookCaller().call(hook("/slow", 0, Duration.ofMillis(200)), Map.of());
        assertThat(slow.webhookPassed()).isFalse();
        assertThat(slow.webhookDetail()).contains("timed out after 200 ms");
        var gone = new WebhookSpec("x", "load", "http://127.0.0.1:1/none", Duration.ofSeconds(1), 0, "block");
        assertThat(new WebhookCaller().call(gone, Map.of()).webhookDetail()).contains("unreachable");
    }
}
