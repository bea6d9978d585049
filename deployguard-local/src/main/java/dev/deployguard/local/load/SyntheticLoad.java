package dev.deployguard.local.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Built-in load for quiet apps: synthetic GET requests at a fixed rate to one path through the router (which splits
 * them between the tracks like user traffic), so a canary of an app with little traffic still gathers evidence.
 * Every request carries {@value #SYNTHETIC_HEADER}{@code : 1}, which the router counts apart from user traffic, and
 * {@code User-Agent: deployguard-load}. Bounded three ways: the rate, the duration (it stops by itself) and the
 * requests in flight (at most one second's worth: a slow app does not pile up requests); {@link #stop()} ends it at
 * once (the step ended, the rollout was aborted). Sends are open-loop: the schedule does not wait for answers, so
 * a slow canary cannot lower the rate and hide its own slowness.
 */
public final class SyntheticLoad implements AutoCloseable {
    /** The header that marks synthetic requests. */
    public static final String SYNTHETIC_HEADER = "X-DeployGuard-Synthetic";
    /** Most requests per second one load may send. */
    public static final double MAX_RATE = 1_000;

    private final URI target;
    private final double rate;
    private final Duration duration;
    private final Map<String, String> headers;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Semaphore inFlight;
    private final LongAdder sent = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private volatile ScheduledFuture<?> ticks;
    private volatile long endNanos;
    private volatile boolean stopped;
    /** The thread that sends; {@link #stop} called from elsewhere waits for its tick under way. */
    private volatile Thread timerThread;

    /**
     * @param target the router's address with the path, e.g. {@code http://127.0.0.1:8080/healthz}
     * @param rate requests per second, more than 0 and at most {@link #MAX_RATE}
     * @param duration how long to send; the load stops by itself after it
     * @param headers extra request headers (never the synthetic marker, which is always set)
     */
    public SyntheticLoad(URI target, double rate, Duration duration, Map<String, String> headers) {
        this.target = Objects.requireNonNull(target, "target");
        this.duration = Objects.requireNonNull(duration, "duration");
        this.headers = Map.copyOf(headers);
        if (!(rate > 0 && rate <= MAX_RATE)) {
            throw new IllegalArgumentException("load rate must be more than 0 and at most " + (int) MAX_RATE
                    + " requests per second, was " + rate);
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("load duration must be positive");
        }
        if (!"http".equals(target.getScheme())) {
            throw new IllegalArgumentException("load target must be an http URL, was " + target);
        }
        this.rate = rate;
        this.inFlight = new Semaphore((int) Math.max(1, Math.ceil(rate)));
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deployguard-load");
            t.setDaemon(true);
            timerThread = t;
            return t;
        });
    }

    /** Starts sending; returns at once. */
    public synchronized SyntheticLoad start() {
        if (ticks != null || stopped) {
            throw new IllegalStateException("a load starts once");
        }
        long periodNanos = (long) (1e9 / rate);
        endNanos = System.nanoTime() + duration.toNanos();
        ticks = timer.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
        return this;
    }

    private void tick() {
        if (stopped || System.nanoTime() - endNanos >= 0) {
            stop();
            return;
        }
        if (!inFlight.tryAcquire()) {
            skipped.increment();
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET()
                .header("User-Agent", "deployguard-load");
        headers.forEach(request::header);
        request.header(SYNTHETIC_HEADER, "1");
        sent.increment();
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            inFlight.release();
            if (error != null || response.statusCode() >= 500) {
                failed.increment();
            } else {
                answered.increment();
            }
        });
    }

    /** Whether the load still sends (started, not stopped, its duration not over). */
    public boolean running() {
        return ticks != null && !stopped && System.nanoTime() - endNanos < 0;
    }

    public long sent() {
        return sent.sum();
    }

    /** Requests answered with a status below 500. */
    public long answered() {
        return answered.sum();
    }

    /** Requests without an answer or with a 5xx. */
    public long failed() {
        return failed.sum();
    }

    /** Ticks left out because a second's worth of requests was still unanswered. */
    public long skipped() {
        return skipped.sum();
    }

    /**
     * Stops sending: once it returns, no request is sent any more and {@link #sent} is final (a tick under way on the
     * sending thread is waited for, at most a second: a tick only hands its request to the client). Requests in
     * flight finish on their own. Idempotent.
     */
    public void stop() {
        stopped = true;
        ScheduledFuture<?> t = ticks;
        if (t != null) {
            t.cancel(false);
        }
        timer.shutdown();
        if (Thread.currentThread() != timerThread) {
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
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
