package dev.deployguard.local.router;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counts requests and retries of the current second, and says whether one more retry fits the policy's budget. */
final class RetryBudget {
    private final RetryPolicy policy;
    private final LongAdder requests = new LongAdder();
    private final AtomicLong retries = new AtomicLong();
    private final LongAdder spent = new LongAdder();
    private final LongAdder refused = new LongAdder();

    RetryBudget(RetryPolicy policy) {
        this.policy = policy;
    }

    RetryPolicy policy() {
        return policy;
    }

    void onRequest() {
        requests.increment();
    }

    /** Takes one retry from this second's budget; false when it is spent. */
    boolean tryAcquire() {
        long allowed = policy.minRetriesPerSecond() + requests.sum() * policy.budgetPercent() / 100;
        while (true) {
            long used = retries.get();
            if (used >= allowed) {
                refused.increment();
                return false;
            }
            if (retries.compareAndSet(used, used + 1)) {
                spent.increment();
                return true;
            }
        }
    }

    /** Starts a new second. */
    void roll() {
        requests.reset();
        retries.set(0);
    }

    long retried() {
        return spent.sum();
    }

    long refused() {
        return refused.sum();
    }
}
