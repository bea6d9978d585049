package dev.deployguard.bench.router;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator: requests are due at a fixed rate whatever the answers do, and each latency is
 * measured from the moment the request was due (so a stall shows up in the percentiles instead of hiding, i.e. no
 * coordinated omission). A few keep-alive connections on worker threads take due requests from a queue.
 */
final class FixedRateClient {
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Latency of every answered request, in nanoseconds from when it was due. */
    record Result(Histogram histogram, long sent, long ok, long errors, long dropped, double seconds) {
        double p(double percentile) {
            return histogram.getTotalCount() == 0 ? Double.NaN
                    : histogram.getValueAtPercentile(percentile) / 1e6;
        }
    }

    private FixedRateClient() {
    }

    static Result run(int port, int ratePerSecond, double seconds, int connections) throws InterruptedException {
        return run(port, ratePerSecond, seconds, connections, () -> false);
    }

    /** Like {@link #run(int, int, double, int)}, ending early once {@code stop} says so. */
    static Result run(int port, int ratePerSecond, double seconds, int connections, BooleanSupplier stop)
            throws InterruptedException {
        long total = Math.max(1, Math.round(ratePerSecond * seconds));
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        BlockingQueue<Long> due = new ArrayBlockingQueue<>((int) Math.min(total, 1 << 20));
        AtomicBoolean scheduled = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long hardDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) (seconds * 1000)) +
                TimeUnit.SECONDS.toNanos(15);
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(new MiniHttp(port, "/", 5_000), due, scheduled, ok, errors, hardDeadline);
            w.warm();
            workers.add(w);
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            Thread t = new Thread(workers.get(i), "fixed-rate-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long dropped = 0;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
        long i = 0;
        try {
            schedule:
            for (; i < total && !stop.getAsBoolean(); i++) {
                long at = start + i * periodNanos;
                for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                    if (System.nanoTime() - hardDeadline > 0) {
                        break schedule;
                    }
                }
                if (!due.offer(at)) {
                    dropped++;
                }
            }
        } finally {
            scheduled.set(true);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram merged = new Histogram(HIGHEST_NANOS, 3);
        for (int k = 0; k < threads.size(); k++) {
            Thread t = threads.get(k);
            long left = hardDeadline - System.nanoTime();
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (t.isAlive()) {
                workers.get(k).http.close();
                t.interrupt();
                t.join(2_000);
            }
            synchronized (workers.get(k)) {
                merged.add(workers.get(k).histogram);
            }
        }
        dropped += due.size();
        return new Result(merged, i, ok.get(), errors.get(), dropped, elapsed);
    }

    private static final class Worker implements Runnable {
        final MiniHttp http;
        final Histogram histogram = new Histogram(HIGHEST_NANOS, 3);
        private final BlockingQueue<Long> due;
        private final AtomicBoolean scheduled;
        private final AtomicLong ok;
        private final AtomicLong errors;
        private final long hardDeadline;

        Worker(MiniHttp http, BlockingQueue<Long> due, AtomicBoolean scheduled, AtomicLong ok, AtomicLong errors,
               long hardDeadline) {
            this.http = http;
            this.due = due;
            this.scheduled = scheduled;
            this.ok = ok;
            this.errors = errors;
            this.hardDeadline = hardDeadline;
        }

        /** Opens the connection with one unrecorded request. */
        void warm() {
            try {
                http.get();
            } catch (IOException e) {
                // counted when it happens again during the run
            }
        }

        @Override
        public void run() {
            try {
                while (System.nanoTime() - hardDeadline < 0) {
                    Long at = due.poll(20, TimeUnit.MILLISECONDS);
                    if (at == null) {
                        if (scheduled.get() && due.isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    boolean good;
                    try {
                        good = http.get() == 200 && http.lastFromDemo();
                    } catch (IOException e) {
                        good = false;
                    }
                    long latency = System.nanoTime() - at;
                    if (good) {
                        ok.incrementAndGet();
                        synchronized (this) {
                            histogram.recordValue(Math.min(Math.max(latency, 0), HIGHEST_NANOS));
                        }
                    } else {
                        errors.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                http.close();
            }
        }
    }
}
