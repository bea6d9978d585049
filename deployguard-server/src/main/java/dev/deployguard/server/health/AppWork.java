package dev.deployguard.server.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs each app's share of a loop's tick on its own worker with a time limit, so one app whose work hangs (a huge
 * spec being parsed, a router that does not answer) cannot hold the loop for the others: the tick waits at most
 * the limit, moves on, and skips that app until its work ends. Apps still running past the limit are reported.
 */
public final class AppWork implements AutoCloseable {
    private final String loop;
    private final Duration limit;
    private final Clock clock;
    private final ExecutorService workers;
    private final Map<String, Running> inFlight = new ConcurrentHashMap<>();

    private record Running(Future<?> future, Instant since) {
    }

    public AppWork(String loop, Duration limit, Clock clock) {
        this.loop = loop;
        this.limit = limit;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "deployguard-" + loop + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code work} for {@code app} and waits for it up to the limit. Returns false without starting anything
     * when the app's previous work is still running, and false when this work outlives the limit (it goes on in
     * the background). A failure of the work is the work's own business: it is not rethrown here.
     */
    public boolean run(String app, Runnable work) {
        Running previous = inFlight.get(app);
        if (previous != null && !previous.future().isDone()) {
            return false;
        }
        Future<?> f = workers.submit(work);
        inFlight.put(app, new Running(f, clock.instant()));
        try {
            f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            inFlight.remove(app);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            inFlight.remove(app);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Apps whose work has run longer than the limit, as health problems of this loop. */
    public List<LoopHealth.Problem> problems() {
        Instant now = clock.instant();
        List<LoopHealth.Problem> out = new ArrayList<>();
        inFlight.forEach((app, r) -> {
            if (!r.future().isDone() && Duration.between(r.since(), now).compareTo(limit) > 0) {
                out.add(new LoopHealth.Problem(loop, "stuck", r.since(), "the work for app '" + app + "' has run"
                        + " for " + Duration.between(r.since(), now).toSeconds() + " s (limit " + limit.toSeconds()
                        + " s); the other apps go on without it"));
            }
        });
        return out;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
