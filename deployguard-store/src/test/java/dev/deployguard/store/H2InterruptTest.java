package dev.deployguard.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.event.Event;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An interrupted writer must not take the embedded store down for everyone else (H2 closes a FileChannel's db). */
class H2InterruptTest {
    @TempDir
    Path dir;

    @Test
    void writersInterruptedMidWriteLeaveTheStoreOpen() throws Exception {
        try (JdbcStore store = JdbcStore.embedded(dir.resolve("state"))) {
            AtomicInteger written = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(4);
            Thread[] writers = new Thread[4];
            for (int t = 0; t < writers.length; t++) {
                writers[t] = new Thread(() -> {
                    started.countDown();
                    for (int i = 0; i < 2_000 && !Thread.currentThread().isInterrupted(); i++) {
                        try {
                            store.append(new Event(0, Instant.now(), "web", null, "test", "test.write",
                                    "write " + i, Map.of()));
                            written.incrementAndGet();
                        } catch (RuntimeException e) {
                            return; // the interrupted write itself may fail; the store must not
                        }
                    }
                });
                writers[t].start();
            }
            started.await();
            while (written.get() < 50) {
                Thread.onSpinWait();
            }
            for (Thread w : writers) {
                w.interrupt();
            }
            for (Thread w : writers) {
                w.join();
            }
            Event after = store.append(new Event(0, Instant.now(), "web", null, "test", "test.after",
                    "written after the interrupts", Map.of()));
            assertThat(after.id()).isPositive();
            assertThat(store.events("web", 0, null, 10_000)).extracting(Event::kind).contains("test.after");
        }
    }
}
