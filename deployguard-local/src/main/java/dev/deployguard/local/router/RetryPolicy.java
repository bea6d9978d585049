package dev.deployguard.local.router;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * When the router tries another backend of the same track instead of answering with a failure, and how long a
 * backend that refused or reset a connection is left out (passive health).
 *
 * <p>Connect failures are always retried: the request provably never reached the app. Requests that may have
 * reached it are retried only when they are idempotent and carry no body (so they can be sent again as they
 * were), after a reset or early close, or an answer with one of {@code statuses}. Retries are limited by a budget
 * of {@code budgetPercent} of the requests of the current second plus {@code minRetriesPerSecond}, so a failing
 * track never multiplies its own load.
 *
 * @param statuses backend statuses retried for idempotent requests, e.g. 502, 503, 504
 * @param budgetPercent retries allowed as a share of requests, per second
 * @param minRetriesPerSecond retries always allowed per second, so a quiet app still gets its retries
 * @param ejectMillis how long a backend that refused or reset a connection gets no new requests
 */
record RetryPolicy(Set<Integer> statuses, int budgetPercent, int minRetriesPerSecond, long ejectMillis) {
    static final RetryPolicy DEFAULT = new RetryPolicy(Set.of(502, 503, 504), 20, 10, TimeUnit.SECONDS.toMillis(5));

    RetryPolicy {
        statuses = Set.copyOf(statuses);
        for (int status : statuses) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("retry status must be within 100..599, was " + status);
            }
        }
        if (budgetPercent < 0 || minRetriesPerSecond < 0 || ejectMillis < 0) {
            throw new IllegalArgumentException("retry budget and ejection time must not be negative");
        }
    }

    /**
     * The default policy changed by the system properties {@code deployguard.router.retryStatuses} (comma-separated,
     * empty for none), {@code deployguard.router.retryBudgetPercent} and {@code deployguard.router.ejectMillis}.
     */
    static RetryPolicy fromSystemProperties() {
        Set<Integer> statuses = DEFAULT.statuses;
        String list = System.getProperty("deployguard.router.retryStatuses");
        if (list != null) {
            statuses = new TreeSet<>();
            for (String s : list.split(",")) {
                if (!s.isBlank()) {
                    statuses.add(Integer.parseInt(s.trim()));
                }
            }
        }
        int budget = Integer.getInteger("deployguard.router.retryBudgetPercent", DEFAULT.budgetPercent);
        long eject = Long.getLong("deployguard.router.ejectMillis", DEFAULT.ejectMillis);
        return new RetryPolicy(statuses, budget, DEFAULT.minRetriesPerSecond, eject);
    }

    boolean retriesStatus(int status) {
        return statuses.contains(status);
    }

    @Override
    public String toString() {
        return "retry on " + Arrays.toString(new TreeSet<>(statuses).toArray()) + ", budget " + budgetPercent
                + "% + " + minRetriesPerSecond + "/s, eject " + ejectMillis + " ms";
    }
}
