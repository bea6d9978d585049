package dev.deployguard.server.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one pass of a loop over many apps, up to {@code parallelism} apps at once, and waits for the pass at most a
 * time limit (wall time). An app whose work outlives the limit (a metrics provider or an API server that does not
 * answer) keeps its thread and is skipped by later passes until it ends; the pool grows by one thread per such app,
 * so the others always have {@code parallelism} threads and never queue behind it. Apps over the limit are health
 * problems of the loop. Interrupted, a pass starts no new work, interrupts the work under way and still waits for it.
 */
public final class ParallelAppWork implements AutoCloseable {
    private final String loop;
    private final int parallelism;
    private volatile Duration limit;
    private final ThreadPoolExecutor pool;
    /** Apps whose work is under way, with its start (System.nanoTime). */
    private final Map<String, Long> running = new ConcurrentHashMap<>();

    public ParallelAppWork(String loop, int parallelism, Duration limit) {
        this.loop = loop;
        this.parallelism = parallelism;
        this.limit = limit;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(parallelism, parallelism, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "deployguard-" + loop + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Tests: a shorter limit. */
    public void limit(Duration limit) {
        this.limit = limit;
    }

    /** One pass: {@code work} for each app not still busy from an earlier pass. A single app runs on the caller. */
    public void run(List<String> apps, Consumer<String> work) {
        if (apps.size() <= 1) {
            for (String app : apps) {
                running.put(app, System.nanoTime());
                try {
                    work.accept(app);
                } finally {
                    running.remove(app);
                }
            }
            return;
        }
        List<String> due = apps.stream().filter(app -> !running.containsKey(app)).toList();
        resize(parallelism + running.size());
        CountDownLatch done = new CountDownLatch(due.size());
        AtomicBoolean stop = new AtomicBoolean();
        Set<Thread> busy = ConcurrentHashMap.newKeySet();
        for (String app : due) {
            running.put(app, System.nanoTime());
            Runnable task = () -> {
                busy.add(Thread.currentThread());
                try {
                    if (!stop.get()) {
                        work.accept(app);
                    }
                } finally {
                    busy.remove(Thread.currentThread());
                    running.remove(app);
                    Thread.interrupted(); // an interrupt meant for this app's work must not reach the next one
                    done.countDown();
                }
            };
            try {
                pool.execute(task);
            } catch (RejectedExecutionException e) {
                running.remove(app);
                done.countDown(); // closing: this app is not worked on
            }
        }
        try {
            done.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stop.set(true);
            busy.forEach(Thread::interrupt);
            awaitUninterruptibly(done);
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void resize(int threads) {
        if (threads > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(threads);
            pool.setCorePoolSize(threads);
        } else if (threads < pool.getCorePoolSize()) {
            pool.setCorePoolSize(threads);
            pool.setMaximumPoolSize(threads);
        }
    }

    /** Apps whose work has run past the limit. */
    public List<LoopHealth.Problem> problems() {
        long now = System.nanoTime();
        Instant wall = Instant.now();
        List<LoopHealth.Problem> out = new ArrayList<>();
        running.forEach((app, start) -> {
            Duration ran = Duration.ofNanos(now - start);
            if (ran.compareTo(limit) > 0) {
                out.add(new LoopHealth.Problem(loop, "stuck", wall.minus(ran), "the " + loop + " work of app '" + app
                        + "' has run for " + ran.toSeconds() + " s (limit " + limit.toSeconds() + " s); the other"
                        + " apps go on without it"));
            }
        });
        return out;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
