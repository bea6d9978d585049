package dev.deployguard.local.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Steady user traffic at a fixed rate, counting every answer: the quickstart's and the end-to-end tests' witness
 * that a deploy, rollback or control-plane crash never failed a request. A request fails when it gets no answer
 * or a 5xx. Bounded by {@link #stop()}; loopback targets only.
 */
public final class SteadyTraffic implements AutoCloseable {
    private final URI target;
    private final int workers;
    private final long pauseNanos;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Map<String, LongAdder> byBody = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byFailure = new ConcurrentHashMap<>();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong lastFailureNanos = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    /** @param ratePerSecond total requests per second over all workers */
    public SteadyTraffic(URI target, int workers, int ratePerSecond) {
        this.target = target;
        this.workers = workers;
        this.pauseNanos = 1_000_000_000L * workers / Math.max(1, ratePerSecond);
    }

    public SteadyTraffic start() {
        running = true;
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(this::loop, "traffic-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    private void loop() {
        long next = System.nanoTime();
        while (running) {
            next += pauseNanos;
            var req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET().build();
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                sent.increment();
                if (r.statusCode() >= 500) {
                    fail("HTTP " + r.statusCode() + ": " + r.body().strip());
                } else {
                    byBody.computeIfAbsent(r.body().strip(), k -> new LongAdder()).increment();
                }
            } catch (IOException e) {
                sent.increment();
                fail(e.toString());
            } catch (InterruptedException e) {
                return;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime();
            }
        }
    }

    private void fail(String why) {
        failed.increment();
        // Kind: the status for an answer, the exception (without its detail after the first 80 characters) for
        // an I/O failure, so a report can account for every failure, not only the first samples.
        String kind = why.startsWith("HTTP ") ? why.substring(0, Math.min(8, why.length()))
                : why.substring(0, Math.min(80, why.length()));
        byFailure.computeIfAbsent(kind, k -> new LongAdder()).increment();
        lastFailureNanos.set(System.nanoTime());
        if (failures.size() < 20) {
            failures.add(why);
        }
    }

    public long sent() {
        return sent.sum();
    }

    public long failed() {
        return failed.sum();
    }

    /** Successful answers by body (the example app answers with its version). */
    public Map<String, Long> answers() {
        Map<String, Long> m = new TreeMap<>();
        byBody.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Every failure counted by its kind: {@code HTTP 503}, or the I/O exception, e.g. a refused connection. */
    public Map<String, Long> failureKinds() {
        Map<String, Long> m = new TreeMap<>();
        byFailure.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    public List<String> failureSamples() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    public void stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
