package dev.deployguard.check;

import dev.deployguard.spec.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Runs an app's checks in parallel, each on its own thread with the context's timeout, and turns what came back into
 * one {@link ChecklistReport}. A check that has not answered by its deadline is reported ERROR and left behind (its
 * thread is interrupted and is a daemon, so it never holds the checklist or the JVM); an exception is ERROR with its
 * message; every result carries the time the check took.
 */
public final class Checklist {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final List<Check> checks;
    private final Set<String> skip;
    private final LongSupplier nanoTime;

    /**
     * @param checks   the checks, in the order the report lists them
     * @param skip     names to report as SKIPPED without running them
     * @param nanoTime the ticker durations are measured with ({@code System::nanoTime} outside tests)
     */
    public Checklist(List<Check> checks, Set<String> skip, LongSupplier nanoTime) {
        this.checks = List.copyOf(checks);
        this.skip = Set.copyOf(skip);
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    public Checklist(List<Check> checks, Set<String> skip) {
        this(checks, skip, System::nanoTime);
    }

    /** The names of the checks, skipped ones included, in report order. */
    public List<String> names() {
        return checks.stream().map(Check::name).toList();
    }

    /** Runs every check that is not skipped and waits at most {@code context.timeout()} for each. */
    public ChecklistReport run(String app, CheckContext context) {
        Clock clock = context.clock();
        Instant startedAt = clock.instant();
        long started = nanoTime.getAsLong();
        Duration timeout = context.timeout();
        List<Check> toRun = checks.stream().filter(c -> !skip.contains(c.name())).toList();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, toRun.size()), daemonThreads());
        try {
            List<Future<CheckResult>> futures = new ArrayList<>();
            for (Check check : toRun) {
                futures.add(pool.submit(() -> timed(check, context)));
            }
            // All checks start together, so one deadline serves them all.
            long deadline = System.nanoTime() + timeout.toNanos();
            List<CheckResult> results = new ArrayList<>();
            int next = 0;
            for (Check check : checks) {
                if (skip.contains(check.name())) {
                    results.add(CheckResult.skipped(check.name(), "left out by checks.skip in the spec"));
                    continue;
                }
                results.add(await(check, futures.get(next++), deadline, timeout));
            }
            Duration took = Duration.ofNanos(nanoTime.getAsLong() - started);
            return new ChecklistReport(app, context.version(), ChecklistVerdict.of(results), results, startedAt,
                    took);
        } finally {
            pool.shutdownNow();
        }
    }

    private CheckResult timed(Check check, CheckContext context) {
        long start = nanoTime.getAsLong();
        CheckResult r;
        try {
            r = check.run(context);
        } catch (Exception e) {
            return thrown(check, e).withTook(Duration.ofNanos(nanoTime.getAsLong() - start));
        }
        Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
        if (r == null) {
            return CheckResult.error(check.name(), "the check returned no result",
                    "this is a bug in the check; report it with the app's spec").withTook(took);
        }
        CheckResult named = r.name().equals(check.name()) ? r
                : new CheckResult(check.name(), r.status(), r.evidence(), r.remedy(), took, r.data());
        return named.withTook(took);
    }

    private static CheckResult await(Check check, Future<CheckResult> future, long deadline, Duration timeout) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return new CheckResult(check.name(), CheckStatus.ERROR,
                    "no answer within " + Durations.format(timeout), "see whether what the check talks to is"
                    + " reachable and responsive, or raise checks.timeout in the spec", timeout,
                    Map.of("timeout", Durations.format(timeout)));
        } catch (ExecutionException e) {
            return thrown(check, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return CheckResult.error(check.name(), "interrupted before the check answered",
                    "run the checklist again");
        }
    }

    private static CheckResult thrown(Check check, Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return CheckResult.error(check.name(), "the check stopped with an error: " + message,
                "fix the cause named in the message and run the check again");
    }

    private static ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "deployguard-check-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
