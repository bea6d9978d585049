package dev.deployguard.bench.router;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A client issuing GET / back to back on one keep-alive connection and recording, for every request, when it was
 * sent, when its answer arrived and which demo version answered. Single writer; readers see entries below
 * {@link #size()}.
 */
final class RollbackProbe implements Runnable {
    private final MiniHttp http;
    private final long[] sent;
    private final long[] received;
    private final int[] version;
    private final long deadline;
    private volatile int size;
    private volatile boolean stop;

    RollbackProbe(int port, int capacity, long maxNanos) {
        this.http = new MiniHttp(port, "/", 5_000);
        this.sent = new long[capacity];
        this.received = new long[capacity];
        this.version = new int[capacity];
        this.deadline = System.nanoTime() + maxNanos;
    }

    @Override
    public void run() {
        try {
            int n = 0;
            while (!stop && n < sent.length && System.nanoTime() - deadline < 0) {
                long s = System.nanoTime();
                int v;
                try {
                    v = http.get() == 200 ? http.lastVersion() : MiniHttp.VERSION_OTHER;
                } catch (IOException e) {
                    v = MiniHttp.VERSION_FAILED;
                }
                long r = System.nanoTime();
                sent[n] = s;
                received[n] = r;
                version[n] = v;
                size = ++n;
                if (v == MiniHttp.VERSION_FAILED) {
                    // Do not spin on a refused connection.
                    try {
                        TimeUnit.MILLISECONDS.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } finally {
            http.close();
        }
    }

    void stop() {
        stop = true;
    }

    /** Whether the probe has stopped on its own (capacity or time limit reached). */
    boolean full() {
        return size >= sent.length || System.nanoTime() - deadline >= 0;
    }

    int size() {
        return size;
    }

    long sent(int i) {
        return sent[i];
    }

    long received(int i) {
        return received[i];
    }

    int version(int i) {
        return version[i];
    }
}
