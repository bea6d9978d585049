package dev.deployguard.server;

import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.leader.Leadership;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * When this control plane acts: alone (it always leads), or as one replica of several on a shared store, where it
 * stands for election (Kubernetes Lease or PostgreSQL lease, core's {@link Leadership}) and, each time it wins,
 * releases stale locks, adopts what runs ({@link Adoption}) and starts the {@link Tickers}; each time it loses, stops
 * them at once. A follower refuses changes ({@link #requireLeader}).
 */
final class LeaderWork {
    private final Store store;
    private final EventLog events;
    private final String holder;
    private final Path stateDir;
    /** Takes over what runs ({@link Adoption#adoptAll}). */
    private final Runnable adoption;
    private final Tickers tickers;
    private volatile Leadership leadership;
    private volatile boolean closed;
    private ExecutorService work;
    /**
     * Whether this term's adoption has finished: the lease is won on the election thread, adoption runs after it,
     * and a change accepted in between would race with it (adoption resumes the stored rollouts, which would write
     * over a promote made meanwhile). Guarded by {@code this}.
     */
    private boolean adopted;

    /** How long a change waits for a new leader's adoption before it is refused as busy. */
    static final Duration ADOPTION_WAIT = Duration.ofSeconds(60);
    private volatile Duration adoptionWait = ADOPTION_WAIT;

    LeaderWork(Store store, EventLog events, String holder, Path stateDir, Runnable adoption, Tickers tickers) {
        this.store = store;
        this.events = events;
        this.holder = holder;
        this.stateDir = stateDir;
        this.adoption = adoption;
        this.tickers = tickers;
    }

    /** Without leader election: re-adopts what is running and starts supervision. */
    void startAlone() {
        int stale = store.releaseLocksNotHeldBy(holder);
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_STARTED, "control plane started (pid "
                + ProcessHandle.current().pid() + ", state " + stateDir + ")" + released(stale));
        adoption.run();
        tickers.start(this::leads);
    }

    /**
     * Stands for election; adoption runs off the election thread so lease renewals are never late because of it.
     */
    void start(Leadership election) {
        this.leadership = election;
        work = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "deployguard-leadership");
            t.setDaemon(true);
            return t;
        });
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_STARTED, "control plane started (pid "
                + ProcessHandle.current().pid() + ", state " + stateDir + ") as replica " + election.identity()
                + "; it acts only while it holds the leader lease");
        election.start(() -> work.execute(this::lead), this::follow);
    }

    private void lead() {
        Leadership l = leadership;
        if (closed || !l.isLeader()) {
            return;
        }
        int stale = store.releaseLocksNotHeldBy(holder);
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_LEADING, "replica " + l.identity()
                + " now leads: adopting what runs and starting supervision and rollouts" + released(stale));
        try {
            adoption.run();
            tickers.startUnlessRunning(() -> !closed && l.isLeader(), this::leads);
        } finally {
            synchronized (this) {
                adopted = true;
                notifyAll();
            }
        }
    }

    /** Runs on the election thread when the lease is lost: nothing may change after this returns. */
    private void follow() {
        synchronized (this) {
            adopted = false;
            notifyAll(); // a change waiting for this term's adoption is refused now
        }
        tickers.stop(Duration.ofSeconds(1));
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_FOLLOWING, "replica "
                + leadership.identity() + " no longer leads (" + leadership.whyStopped() + "); its supervision and"
                + " rollout tickers stopped");
    }

    private static String released(int stale) {
        return stale > 0 ? "; released " + stale + " lock(s) left by a stopped control plane" : "";
    }

    /**
     * Refuses a change on a replica that is not the leader (HTTP 503, exit code 5), naming the Lease holder so the
     * caller knows where to send it; a control plane without leader election always leads.
     */
    void requireLeader(String what) {
        Leadership l = leadership;
        if (l == null || (l.isLeader() && awaitAdoption(l, what))) {
            return;
        }
        String leader = l.currentLeader();
        throw new NotLeaderException(leader == null || leader.equals(l.identity()) ? null : leader,
                "this DeployGuard replica (" + l.identity() + ") is a follower and does not " + what + "; "
                + (leader == null || leader.equals(l.identity())
                ? "it does not know the current leader (an election is under way, or it cannot read the lease):"
                + " retry in a few seconds"
                : "the leader is " + leader + " (" + l.recordedIn() + "): send the request to it, or retry"
                + " in a few seconds if it is going away"));
    }

    /**
     * A new leader accepts changes once it has adopted what runs; until then a change waits (at most {@link
     * #ADOPTION_WAIT}, then it is refused as busy). False if the lease was lost meanwhile.
     */
    private boolean awaitAdoption(Leadership l, String what) {
        long deadline = System.nanoTime() + adoptionWait.toNanos();
        synchronized (this) {
            while (!adopted && l.isLeader() && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeployGuardException(ExitCode.BUSY, "this DeployGuard replica (" + l.identity()
                            + ") has just become the leader and is still adopting what runs (instances, routers,"
                            + " rollouts); it does not " + what + " until that is done: retry in a few seconds");
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeployGuardException(ExitCode.BUSY, "interrupted while waiting for this replica to"
                            + " finish taking over; retry");
                }
            }
            return adopted && l.isLeader();
        }
    }

    /** Tests: a shorter wait for adoption than {@link #ADOPTION_WAIT}. */
    void adoptionWait(Duration wait) {
        this.adoptionWait = wait;
    }

    /** Each tick asks again: a lease that ran out stops the work even before the tickers are shut down. */
    boolean leads() {
        Leadership l = leadership;
        return l == null || l.isLeader();
    }

    /** "leader", "follower", or "single" without leader election. */
    String role() {
        Leadership l = leadership;
        return l == null ? "single" : l.isLeader() ? "leader" : "follower";
    }

    /** Leaves the election (if it stood) and takes no new lead; the caller stops the tickers. */
    void close() {
        closed = true;
        if (leadership != null) {
            leadership.close();
            work.shutdownNow();
        }
    }
}
