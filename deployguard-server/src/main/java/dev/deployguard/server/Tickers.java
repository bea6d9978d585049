package dev.deployguard.server;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.Supervisor;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.server.health.LoopHealth;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The control plane's three scheduled loops, each on its own daemon thread: supervision (every 250 ms), rollouts
 * (every 200 ms) and GitOps restore commits (every second, so a slow git never holds up the other two). Every tick
 * first asks whether this replica leads; the supervision and rollout loops are watched by {@link LoopHealth}. Made
 * without background loops, it starts no thread and the caller runs each round ({@link #tickOnce}).
 */
final class Tickers {
    /** A tick (or the gap between two) longer than this makes {@code /api/health} answer 503. */
    static final Duration LOOP_LIMIT = Duration.ofSeconds(30);

    private final Supervisor supervisor;
    private final RolloutRunner rollouts;
    private final GitCatchUp gitops;
    // Wall time: the tickers run on real threads whatever clock the rollouts use.
    private final LoopHealth loops = new LoopHealth(Clock.systemUTC());
    private final AtomicLong supervisionRounds = new AtomicLong();
    private final Object lock = new Object();
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService rolloutTicker;
    /** Retries pending restore commits; its own thread, so a slow git never holds up supervision or rollouts. */
    private ScheduledExecutorService gitopsTicker;

    /** False: {@link #start} starts no thread; the caller runs the rounds ({@link #tickOnce}). */
    private final boolean background;

    Tickers(Supervisor supervisor, RolloutRunner rollouts, GitCatchUp gitops, boolean background) {
        this.background = background;
        this.supervisor = supervisor;
        this.rollouts = rollouts;
        this.gitops = gitops;
    }

    /** Starts the three loops; each tick does its work only while {@code leads} says so. */
    void start(BooleanSupplier leads) {
        synchronized (lock) {
            startLocked(leads);
        }
    }

    /**
     * Starts the loops unless they run, if {@code when} still holds under the lock that {@link #stop} takes (a
     * replica that lost the lease or closed meanwhile starts nothing).
     */
    void startUnlessRunning(BooleanSupplier when, BooleanSupplier leads) {
        synchronized (lock) {
            if (when.getAsBoolean() && ticker == null) {
                startLocked(leads);
            }
        }
    }

    private void startLocked(BooleanSupplier leads) {
        if (!background) {
            return;
        }
        ticker = every("supervisor", 500, 250, TimeUnit.MILLISECONDS,
                loops.watch("supervisor", LOOP_LIMIT, safely("supervisor", () -> superviseOnce(leads))));
        rolloutTicker = every("rollouts", 250, 200, TimeUnit.MILLISECONDS,
                loops.watch("rollouts", LOOP_LIMIT, safely("rollouts", () -> rollOnce(leads))));
        gitopsTicker = every("gitops", 1, 1, TimeUnit.SECONDS, safely("gitops", () -> catchUpOnce(leads)));
    }

    /** One round of each loop on the caller's thread, if {@code leads} says so; failures propagate to the caller. */
    void tickOnce(BooleanSupplier leads) {
        superviseOnce(leads);
        rollOnce(leads);
        catchUpOnce(leads);
    }

    private void superviseOnce(BooleanSupplier leads) {
        if (leads.getAsBoolean()) {
            supervisor.tick();
            supervisionRounds.incrementAndGet();
        }
    }

    private void rollOnce(BooleanSupplier leads) {
        if (leads.getAsBoolean()) {
            rollouts.tick();
        }
    }

    private void catchUpOnce(BooleanSupplier leads) {
        if (leads.getAsBoolean()) {
            gitops.tick();
        }
    }

    /** A daemon thread named {@code deployguard-NAME} running {@code round} with a fixed delay. */
    private static ScheduledExecutorService every(String name, long initial, long delay, TimeUnit unit,
            Runnable round) {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deployguard-" + name);
            t.setDaemon(true);
            return t;
        });
        s.scheduleWithFixedDelay(round, initial, delay, unit);
        return s;
    }

    /** Stops the loops, waiting up to {@code wait} for a supervision or rollout tick under way to finish. */
    void stop(Duration wait) {
        ScheduledExecutorService s;
        ScheduledExecutorService r;
        synchronized (lock) {
            s = ticker;
            r = rolloutTicker;
            if (gitopsTicker != null) {
                gitopsTicker.shutdownNow();
                gitopsTicker = null;
            }
            ticker = null;
            rolloutTicker = null;
            loops.forget("supervisor");
            loops.forget("rollouts");
            if (s != null) {
                s.shutdownNow();
                r.shutdownNow();
            }
        }
        if (s != null) {
            try {
                // A tick already under way finishes its store write; the lease outlives the renew deadline by more.
                s.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
                r.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What keeps this control plane from doing its work: a supervision or rollout loop stuck in a tick or starved
     * of ticks, or an app whose supervision hangs. Empty when healthy.
     */
    List<LoopHealth.Problem> problems() {
        List<LoopHealth.Problem> out = new ArrayList<>(loops.problems());
        out.addAll(supervisor.problems());
        out.addAll(rollouts.problems());
        return out;
    }

    /** Supervision rounds this replica has run (a follower's count stands still). */
    long supervisionRounds() {
        return supervisionRounds.get();
    }

    /**
     * A scheduled executor stops a task for good after one exception; supervision must outlive a database hiccup,
     * so every tick is guarded and the failure reported on stderr: once per distinct message, and once when the
     * tick works again (a full disk fails every tick for as long as it lasts: four lines a second otherwise).
     */
    static Runnable safely(String what, Runnable tick) {
        var last = new AtomicReference<String>();
        return () -> {
            try {
                tick.run();
                if (last.getAndSet(null) != null) {
                    System.err.println("deployguard: " + what + " tick works again");
                }
            } catch (Throwable t) {
                String why = t instanceof DeployGuardException ? t.getMessage() : t.toString();
                if (!why.equals(last.getAndSet(why))) {
                    System.err.println("deployguard: " + what + " tick failed, retrying (repeats not shown): "
                            + why);
                }
            }
        };
    }
}
