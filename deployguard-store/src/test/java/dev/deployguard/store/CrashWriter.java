package dev.deployguard.store;

import dev.deployguard.event.Event;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Child process of {@link EmbeddedCrashIT}: writes to the embedded store from several threads, as a busy control
 * plane does, and prints the id of every event whose append returned (an acknowledged write) until it is killed.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        // A short retention lets H2 reuse the space of old chunks after a second instead of 45: the crash-recovery
        // paths that only run once chunks are written into reused space are reached within the test's time.
        JdbcStore store = JdbcStore.open(JdbcStore.embeddedUrl(stateDir) + ";RETENTION_TIME=1000", null, null);
        Thread[] writers = new Thread[4];
        for (int t = 0; t < writers.length; t++) {
            int writer = t;
            writers[t] = new Thread(() -> {
                for (long i = 0; ; i++) {
                    Event e = store.append(Event.of(Instant.now(), "app" + writer, 1, "test", "test.write",
                            "write " + i + " of writer " + writer, Map.of("i", i)));
                    store.saveRoutes(new RouteTable("app" + writer, i, List.of(new Track("stable", 1, 10_000,
                            List.of("127.0.0.1:" + (1000 + i % 1000))))));
                    synchronized (System.out) {
                        System.out.println(e.id());
                        System.out.flush();
                    }
                }
            });
            writers[t].start();
        }
        writers[0].join();
    }
}
