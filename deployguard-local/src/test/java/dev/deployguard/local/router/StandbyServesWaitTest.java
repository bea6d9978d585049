package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.local.process.Ports;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A standby started right after a takeover warms up only once the router that took over answers on its admin port
 * (it answers only once every app is restored), or once a takeover of its own is due.
 */
class StandbyServesWaitTest {
    @Test
    void theWaitEndsWhenTheRouterAnswersNotWhenItAccepts() throws Exception {
        try (ServerSocket admin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CountDownLatch restored = new CountDownLatch(1);
            CountDownLatch accepted = new CountDownLatch(1);
            Thread router = new Thread(() -> {
                try (Socket s = admin.accept()) {
                    accepted.countDown();
                    restored.await();
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (Exception e) {
                    // The test fails on its own assertions.
                }
            });
            router.start();
            CompletableFuture<Void> waited = CompletableFuture.runAsync(
                    () -> StandbyWarmUp.afterTheRouterServes(admin.getLocalPort(), () -> false));
            assertThat(accepted.await(30, TimeUnit.SECONDS)).as("the standby asked").isTrue();
            assertThat(waited).as("accepted, not answered yet").isNotDone();
            restored.countDown();
            waited.get(30, TimeUnit.SECONDS);
            router.join(30_000);
        }
    }

    @Test
    void aDueTakeoverEndsTheWaitForARouterThatNeverBinds() throws Exception {
        int nobody = Ports.freeLoopbackPort();
        AtomicBoolean due = new AtomicBoolean();
        CountDownLatch asked = new CountDownLatch(3);
        CompletableFuture<Void> waited = CompletableFuture.runAsync(() -> StandbyWarmUp.afterTheRouterServes(nobody,
                () -> {
                    asked.countDown();
                    return due.get();
                }));
        assertThat(asked.await(30, TimeUnit.SECONDS)).as("it keeps trying a port nobody has bound").isTrue();
        assertThat(waited).isNotDone();
        due.set(true);
        waited.get(30, TimeUnit.SECONDS);
    }
}
