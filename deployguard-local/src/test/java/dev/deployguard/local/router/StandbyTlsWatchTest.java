package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standby that started while no app served HTTPS warms TLS up once an app is given it (its listener file names a
 * TLS address), while it still waits; not for a plain app, and not once the takeover is due.
 */
class StandbyTlsWatchTest {
    @TempDir
    Path state;

    private void listener(String app, AppListener l) throws Exception {
        // As the router saves it: written beside, then moved into place.
        Path tmp = state.resolve(app + ".tmp");
        Files.write(tmp, RouterCodec.json(l));
        Files.move(tmp, state.resolve(app + HostedApps.LISTENER_SUFFIX), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Runs the watch on another thread; {@code watching} counts down at its first look at the takeover. */
    private CompletableFuture<Boolean> watch(AtomicBoolean due, CountDownLatch watching, StandbyWarmUp.Step warmUp) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return StandbyWarmUp.onceAnAppServesTls(state, () -> {
                    watching.countDown();
                    return due.get();
                }, warmUp);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void anAppGivenTlsWhileTheStandbyWaitsIsWarmedUpOnceAndAPlainAppIsNot() throws Exception {
        listener("plain", AppListener.plain("127.0.0.1:18081"));
        AtomicInteger warmUps = new AtomicInteger();
        AtomicBoolean tlsSeenAtWarmUp = new AtomicBoolean();
        CountDownLatch watching = new CountDownLatch(1);
        AtomicBoolean due = new AtomicBoolean();
        CompletableFuture<Boolean> watched = watch(due, watching, () -> {
            warmUps.incrementAndGet();
            tlsSeenAtWarmUp.set(StandbyWarmUp.anyTls(state));
        });
        assertThat(watching.await(30, TimeUnit.SECONDS)).isTrue();
        listener("second-plain", AppListener.plain("127.0.0.1:18082"));
        Path cert = Files.writeString(state.resolve("web.crt"), "-", StandardCharsets.US_ASCII);
        Path key = Files.writeString(state.resolve("web.key"), "-", StandardCharsets.US_ASCII);
        listener("web", AppListener.of("127.0.0.1:18083", "127.0.0.1:18443", cert, key, null));

        assertThat(watched.get(60, TimeUnit.SECONDS)).as("it warmed up").isTrue();
        assertThat(warmUps).hasValue(1);
        assertThat(tlsSeenAtWarmUp).as("only once an app serves TLS").isTrue();
    }

    @Test
    void aDueTakeoverEndsTheWaitWithoutWarmingUp() throws Exception {
        listener("plain", AppListener.plain("127.0.0.1:18081"));
        AtomicBoolean due = new AtomicBoolean();
        CountDownLatch watching = new CountDownLatch(1);
        AtomicInteger warmUps = new AtomicInteger();
        CompletableFuture<Boolean> watched = watch(due, watching, warmUps::incrementAndGet);
        assertThat(watching.await(30, TimeUnit.SECONDS)).isTrue();
        due.set(true);
        assertThat(watched.get(60, TimeUnit.SECONDS)).isFalse();
        assertThat(warmUps).hasValue(0);
    }
}
