package dev.deployguard.kubernetes.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Test support: waits for something that happens in real time beside the test (a control plane's rollout ticker, a
 * leader election, the simulated controller in the background) by polling it every 20 ms. The limit only keeps a
 * broken test from hanging; it is not a speed bound.
 */
public final class Await {
    /** What a test waits for when it names no limit: long enough for a loaded test machine. */
    public static final Duration LIMIT = Duration.ofSeconds(30);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@link #LIMIT}. */
    public static void await(String what, BooleanSupplier condition) {
        await(what, LIMIT, condition);
    }

    /** Returns once {@code condition} holds; fails after {@code limit}. */
    public static void await(Duration limit, BooleanSupplier condition) {
        await("the condition", limit, condition);
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code limit}. */
    public static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + limit + " for " + what + ", in vain");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
