package dev.deployguard.kubernetes.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which of the control plane's replicas drives rollouts: leader election on a {@code coordination.k8s.io/v1}
 * Lease with fabric8's {@link LeaderElector}. Only the leader runs its work; the others wait as candidates and take
 * over once the leader's lease expires (it crashed, hung or lost the API server). fabric8's elector stops for good
 * when it loses leadership, so this runs it in a loop: a replica that lost the lease stops its work (the callback)
 * and stands again as a candidate. fabric8 only notices a lost lease when a renewal fails; a renewal that hangs (a
 * partition, a closed client) would leave this replica leading after the others took over, so a watchdog also ends
 * leadership once no renewal has succeeded for the renew deadline, before the lease can run out for the others.
 * Given its own Pod, it labels it {@code deployguard.dev/role: follower} before standing and {@code leader} while
 * it leads ({@link PodRoleLabel}), so a Service can route changes to the leader alone.
 */
public final class ControlPlaneLeadership implements dev.deployguard.leader.Leadership {
    private static final Logger LOG = Logger.getLogger(ControlPlaneLeadership.class.getName());

    /**
     * Timing of the election, as client-go names it.
     *
     * @param leaseDuration how long a lease holds without renewal before candidates may take it
     * @param renewDeadline how long the leader keeps trying to renew before it gives up leading
     * @param retryPeriod how often candidates try and the leader renews
     */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        /** Kubernetes' own controllers' defaults. */
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));

        public Timing {
            if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("need retryPeriod < renewDeadline < leaseDuration, got "
                        + retryPeriod + " / " + renewDeadline + " / " + leaseDuration);
            }
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Timing timing;
    private final PodRoleLabel podLabel;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "leader-election");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leader-election-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile CompletableFuture<?> round;
    private volatile String leader;
    /** {@link System#nanoTime()} just before the last write of the lease naming this replica that succeeded. */
    private volatile long renewedAt;

    public ControlPlaneLeadership(KubernetesClient client, String namespace, String leaseName, String identity,
                                  Timing timing) {
        this(client, namespace, leaseName, identity, timing, null);
    }

    /** @param pod this replica's own Pod, labelled with its role; null to label nothing (not in a Pod) */
    public ControlPlaneLeadership(KubernetesClient client, String namespace, String leaseName, String identity,
                                  Timing timing, PodRoleLabel.PodRef pod) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.leaseName = Objects.requireNonNull(leaseName, "leaseName");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.timing = Objects.requireNonNull(timing, "timing");
        this.podLabel = pod == null ? null : new PodRoleLabel(client, pod, timing.retryPeriod());
    }

    /** This process's identity in the lease: host name (the pod's name in a cluster) and process id. */
    public static String defaultIdentity() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return host + "_" + ProcessHandle.current().pid();
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public String recordedIn() {
        return "the Lease's holderIdentity";
    }

    /**
     * Stands for election until {@link #close}; {@code onStartedLeading} runs each time this replica becomes leader,
     * {@code onStoppedLeading} each time it stops (lost lease or close). Callbacks must return promptly.
     */
    @Override
    public void start(Runnable onStartedLeading, Runnable onStoppedLeading) {
        Objects.requireNonNull(onStartedLeading, "onStartedLeading");
        Objects.requireNonNull(onStoppedLeading, "onStoppedLeading");
        Runnable stopped = () -> {
            label(PodRoleLabel.Role.FOLLOWER);
            onStoppedLeading.run();
        };
        if (podLabel != null) {
            // A restarted container keeps its Pod's labels: clear a leader label left by the previous process first.
            podLabel.setAndWait(PodRoleLabel.Role.FOLLOWER, timing.renewDeadline());
        }
        loop.execute(() -> {
            while (!closed.get()) {
                LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                        .withName(leaseName)
                        .withLock(new RenewalTracking(new LeaseLock(namespace, leaseName, identity)))
                        .withLeaseDuration(timing.leaseDuration())
                        .withRenewDeadline(timing.renewDeadline())
                        .withRetryPeriod(timing.retryPeriod())
                        .withLeaderCallbacks(new LeaderCallbacks(() -> {
                            leading.set(true);
                            label(PodRoleLabel.Role.LEADER);
                            onStartedLeading.run();
                        }, () -> {
                            if (leading.getAndSet(false)) {
                                stopped.run();
                            }
                        }, newLeader -> leader = newLeader))
                        .build()).build();
                try {
                    round = elector.start();
                    if (closed.get()) {
                        round.cancel(true);
                    }
                    round.join();
                } catch (RuntimeException e) {
                    // A cancelled or failed round: fall through and stand again unless closed.
                    if (!closed.get()) {
                        LOG.log(Level.WARNING, "leader election round for lease " + namespace + "/" + leaseName
                                + " ended: " + e.getMessage());
                    }
                }
                if (leading.getAndSet(false)) {
                    stopped.run();
                }
                pauseBeforeRetry();
            }
        });
        long every = Math.max(1, timing.retryPeriod().toMillis() / 2);
        watchdog.scheduleWithFixedDelay(() -> {
            if (leading.get() && !renewedInTime() && leading.getAndSet(false)) {
                LOG.warning("no renewal of lease " + namespace + "/" + leaseName + " succeeded for "
                        + timing.renewDeadline() + "; stopping leading before the lease runs out");
                stopped.run();
                CompletableFuture<?> r = round;
                if (r != null) {
                    r.cancel(true);
                }
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    private void label(PodRoleLabel.Role role) {
        if (podLabel != null) {
            podLabel.set(role);
        }
    }

    /** Whether this replica holds the lease now: it won it and renewed it within the renew deadline. */
    @Override
    public boolean isLeader() {
        return leading.get() && renewedInTime();
    }

    private boolean renewedInTime() {
        return System.nanoTime() - renewedAt < timing.renewDeadline().toNanos();
    }

    /** The Lease lock, noting when a write that names this replica as holder went through. */
    private final class RenewalTracking implements Lock {
        private final Lock lease;

        RenewalTracking(Lock lease) {
            this.lease = lease;
        }

        @Override
        public LeaderElectionRecord get(KubernetesClient c) {
            return lease.get(c);
        }

        @Override
        public void create(KubernetesClient c, LeaderElectionRecord record) {
            long sent = System.nanoTime();
            lease.create(c, record);
            written(record, sent);
        }

        @Override
        public void update(KubernetesClient c, LeaderElectionRecord record) {
            long sent = System.nanoTime();
            lease.update(c, record);
            written(record, sent);
        }

        private void written(LeaderElectionRecord record, long sent) {
            if (identity.equals(record.getHolderIdentity())) {
                renewedAt = sent;
            }
        }

        @Override
        public String identity() {
            return lease.identity();
        }

        @Override
        public String describe() {
            return lease.describe();
        }
    }

    /** The identity the lease last named as leader, or null before anyone was seen. */
    @Override
    public String currentLeader() {
        return leader;
    }

    /**
     * Stops standing for election and stops leading if it does (labelling its Pod follower); the lease is not
     * released, so the other replicas take over when it expires, exactly as after a crash.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        CompletableFuture<?> r = round;
        if (r != null) {
            r.cancel(true);
        }
        watchdog.shutdownNow();
        loop.shutdownNow();
        try {
            loop.awaitTermination(timing.leaseDuration().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (podLabel != null) {
            // So the leader Service stops sending changes here now, not when the Pod is gone.
            podLabel.setAndWait(PodRoleLabel.Role.FOLLOWER, timing.renewDeadline());
            podLabel.close();
        }
    }

    private void pauseBeforeRetry() {
        try {
            Thread.sleep(timing.retryPeriod().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed.set(true);
        }
    }
}
