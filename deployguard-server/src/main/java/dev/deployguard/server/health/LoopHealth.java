package dev.deployguard.server.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches the control plane's periodic loops (supervision, rollouts): a loop whose tick has run longer than its
 * limit is <em>stuck</em>; a loop whose next tick has not started within its limit is <em>starved</em> (its thread
 * is gone or the executor is blocked). {@code /api/health} answers 503 naming the loop and since when, so a
 * jammed control plane no longer says "ok" (issue 19: a 10 MB spec held the supervisor for eight minutes).
 */
public final class LoopHealth {
    /** One loop's trouble: {@code state} is "stuck" or "starved", {@code since} when it began. */
    public record Problem(String loop, String state, Instant since, String detail) {
    }

    private final Clock clock;
    private final Map<String, Loop> loops = new ConcurrentHashMap<>();

    private static final class Loop {
        final Duration limit;
        volatile Instant tickStarted;
        volatile Instant lastFinished;

        Loop(Duration limit, Instant registered) {
            this.limit = limit;
            this.lastFinished = registered;
        }
    }

    public LoopHealth(Clock clock) {
        this.clock = clock;
    }

    /**
     * Wraps one loop's tick so its progress is watched; {@code limit} is how long a tick may run, and how long the
     * loop may go without starting one, before it is reported.
     */
    public Runnable watch(String loop, Duration limit, Runnable tick) {
        Loop l = loops.computeIfAbsent(loop, k -> new Loop(limit, clock.instant()));
        return () -> {
            l.tickStarted = clock.instant();
            try {
                tick.run();
            } finally {
                l.lastFinished = clock.instant();
                l.tickStarted = null;
            }
        };
    }

    /** Stops watching a loop (its ticker was stopped on purpose, e.g. a follower replica). */
    public void forget(String loop) {
        loops.remove(loop);
    }

    /** The loops in trouble now; empty when every loop makes progress. */
    public List<Problem> problems() {
        Instant now = clock.instant();
        List<Problem> out = new ArrayList<>();
        loops.forEach((name, l) -> {
            Instant started = l.tickStarted;
            if (started != null && Duration.between(started, now).compareTo(l.limit) > 0) {
                out.add(new Problem(name, "stuck", started, "its current tick has run for "
                        + Duration.between(started, now).toSeconds() + " s (limit " + l.limit.toSeconds() + " s)"));
            } else if (started == null && Duration.between(l.lastFinished, now).compareTo(l.limit) > 0) {
                out.add(new Problem(name, "starved", l.lastFinished, "no tick has started for "
                        + Duration.between(l.lastFinished, now).toSeconds() + " s (limit " + l.limit.toSeconds()
                        + " s)"));
            }
        });
        out.sort(java.util.Comparator.comparing(Problem::loop));
        return out;
    }
}
