// Over 400 lines: the composition root: builds every part in order and owns start, adoption, tickers, close.
package dev.deployguard.server;

import dev.deployguard.analysis.Judge;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.EventKinds;
import dev.deployguard.leader.Leadership;
import dev.deployguard.gitops.git.JGitRestorer;
import dev.deployguard.kubernetes.client.KubeClientCache;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.release.ReleaseStatus;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.traffic.RouteTable;
import dev.deployguard.server.check.ChecklistFactory;
import dev.deployguard.server.check.DeployChecks;
import dev.deployguard.server.deploy.Analyses;
import dev.deployguard.server.deploy.AppLocks;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.deploy.EventLog;
import dev.deployguard.server.deploy.LocalInstances;
import dev.deployguard.server.deploy.RolloutRunner;
import dev.deployguard.server.deploy.RouterProcesses;
import dev.deployguard.server.deploy.SpecSource;
import dev.deployguard.server.gitops.GitCatchUp;
import dev.deployguard.server.deploy.Supervisor;
import dev.deployguard.server.deploy.local.LocalTarget;
import dev.deployguard.server.drill.DrillRunner;
import dev.deployguard.server.teardown.Teardown;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.incident.Incidents;
import dev.deployguard.server.kubernetes.KubernetesApps;
import dev.deployguard.server.kubernetes.KubernetesRollouts;
import dev.deployguard.server.notify.EventNotifications;
import dev.deployguard.server.notify.HttpNotifier;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.store.EpochFence;
import dev.deployguard.store.JdbcStore;
import dev.deployguard.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The control plane of one state directory: store, deployer, supervisor and routers. Starting it re-adopts what
 * a previous control plane left running (instances, routers, routes) instead of starting duplicates. Several
 * replicas may share one store: started with {@link #start(Leadership)}, only the leader (Kubernetes Lease or
 * PostgreSQL lease) adopts and runs the supervisor and rollout tickers; the others serve reads and refuse changes
 * ({@link #requireLeader}). With a PostgreSQL lease the store is fenced ({@link EpochFence}): a stale leader's state
 * changes are refused by the database even if it has not noticed yet that it lost.
 */
public final class ControlPlane implements AutoCloseable {
    private final Path stateDir;
    private final Store store;
    private final dev.deployguard.store.backup.StoreLocation storeLocation;
    private final SpecSource specs;
    private final LocalPlatform platform;
    private final EventLog events;
    private final RouterProcesses routers;
    private final Deployer deployer;
    private final Supervisor supervisor;
    private final RolloutRunner rollouts;
    private final DeployChecks checks;
    private final Incidents incidents;
    private final HttpNotifier notifier;
    private final DrillRunner drills;
    private final KubernetesApps kubernetes;
    private final dev.deployguard.server.deploy.local.LocalApps localApps;
    private final GitCatchUp gitops;
    private final Teardown teardown;
    private final KubeClientCache clients;
    /** How often a Kubernetes deploy looks at the cluster while it waits for pods. */
    private static final Duration KUBERNETES_POLL = Duration.ofMillis(500);
    /** How long one git connection may take, and how often a pending restore commit is retried. */
    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(15);
    private final String holder = "cp-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
    private final String apiToken;
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService rolloutTicker;
    /** Retries pending restore commits; its own thread, so a slow git never holds up supervision or rollouts. */
    private ScheduledExecutorService gitopsTicker;
    private final Object tickerLock = new Object();
    /** A tick (or the gap between two) longer than this makes {@code /api/health} answer 503. */
    static final Duration LOOP_LIMIT = Duration.ofSeconds(30);
    // Wall time: the tickers run on real threads whatever clock the rollouts use.
    private final LoopHealth loops = new LoopHealth(Clock.systemUTC());
    private final AtomicLong supervisionRounds = new AtomicLong();
    private volatile Leadership leadership;
    private volatile boolean closed;
    private ExecutorService leaderWork;

    /**
     * Where state lives, how to reach the database, and the Prometheus that scrapes ingress-nginx (null: none; the
     * canary analysis of ingress-nginx apps then needs queries of its own).
     */
    public record Config(Path stateDir, Path specFile, String storeUrl, String storeUser, String storePassword,
                         String prometheusUrl) {
        /** Prometheus from the environment's {@code DEPLOYGUARD_PROMETHEUS_URL}, as before the flag. */
        public Config(Path stateDir, Path specFile, String storeUrl, String storeUser, String storePassword) {
            this(stateDir, specFile, storeUrl, storeUser, storePassword, System.getenv("DEPLOYGUARD_PROMETHEUS_URL"));
        }
    }

    public ControlPlane(Config config, Clock clock) {
        this(config, clock, Analyses::forSpec);
    }

    public ControlPlane(Config config, Clock clock, Function<AnalysisSpec, Judge> analyses) {
        this(config, clock, analyses, null);
    }

    /**
     * A replica of several on one PostgreSQL store, whose state changes commit only under the leader epoch {@code
     * fence} holds (claimed by a {@link dev.deployguard.store.leader.PostgresLeadership} given to {@link #start}).
     */
    public ControlPlane(Config config, Clock clock, EpochFence fence) {
        this(config, clock, Analyses::forSpec, java.util.Objects.requireNonNull(fence, "fence"));
    }

    private ControlPlane(Config config, Clock clock, Function<AnalysisSpec, Judge> analyses, EpochFence fence) {
        this.stateDir = config.stateDir().toAbsolutePath();
        // Checked before the store and the tokens are opened, so only modes someone else left are reported.
        List<String> loose = StatePermissions.tighten(stateDir);
        this.storeLocation = new dev.deployguard.store.backup.StoreLocation(stateDir, config.storeUrl(),
                config.storeUser(), config.storePassword());
        this.store = config.storeUrl() == null ? JdbcStore.embedded(stateDir)
                : fence != null ? JdbcStore.openFenced(config.storeUrl(), config.storeUser(), config.storePassword(),
                fence) : JdbcStore.open(config.storeUrl(), config.storeUser(), config.storePassword());
        try {
            this.apiToken = secret(stateDir.resolve("api.token"));
            Path routerTokenFile = stateDir.resolve("router.token");
            String routerToken = secret(routerTokenFile);
            StatePermissions.tighten(stateDir); // the database file H2 just created (with the umask's mode)
            loose.forEach(w -> System.err.println("deployguard: warning: " + w));
            this.specs = new SpecSource(config.specFile());
            this.platform = new LocalPlatform(stateDir, clock);
            this.events = new EventLog(store, clock);
            AppLocks locks = new AppLocks();
            this.routers = new RouterProcesses(store, stateDir, routerTokenFile, routerToken, events, clock);
            this.checks = new DeployChecks(new ChecklistFactory(stateDir, System.getenv(), clock)
                    .withKnownRouters((app, address) -> ownsRouter(app, address)), events);
            // Wiring, inward first: each part gets what it uses in its constructor. The rollout target of an app is
            // chosen here, once per rollout, from its platform and strategy; the runner never asks which platform.
            this.clients = new KubeClientCache();
            LocalInstances instances = new LocalInstances(store, platform, routers, events, locks, clock);
            LocalTarget.Parts local = new LocalTarget.Parts(store, routers, events, instances, clock);
            KubernetesRollouts cluster = new KubernetesRollouts(store, events, clock, clients,
                    config.prometheusUrl(), KUBERNETES_POLL);
            this.rollouts = new RolloutRunner(store, specs, events, locks, clock, holder, analyses,
                    app -> KubernetesRollouts.drives(app) ? cluster.target(app) : LocalTarget.of(local, app));
            this.deployer = new Deployer(store, specs, platform, routers, events, locks, clock, holder, instances,
                    rollouts, checks);
            this.supervisor = new Supervisor(store, specs, platform, routers, events, locks, clock);
            this.notifier = new HttpNotifier(specs, events);
            events.addListener(new EventNotifications(notifier));
            this.incidents = new Incidents(store, events, routers, specs, clock);
            events.addListener(incidents);
            this.gitops = new GitCatchUp(new JGitRestorer(System.getenv(), stateDir.resolve("gitops-scratch"),
                    GIT_TIMEOUT), events::record, store, specs, clock, GIT_TIMEOUT);
            this.kubernetes = new KubernetesApps(store, specs, events, clock, holder, clients, KUBERNETES_POLL,
                    rollouts, cluster, checks, gitops);
            this.localApps = new dev.deployguard.server.deploy.local.LocalApps(store, specs, deployer, platform,
                    stateDir, routers, new dev.deployguard.server.deploy.local.LocalApps.GitFollowUp() {
                        @Override
                        public String afterRollback(AppSpec app, Release bad, Release good, boolean toRevision,
                                                    String actor) {
                            return gitops.afterRollback(app, bad, good, toRevision, actor);
                        }

                        @Override
                        public Map<String, Object> state(AppSpec app) {
                            return gitops.state(app);
                        }
                    });
            this.drills = new DrillRunner(store, specs, deployer, rollouts, platform, events, clock, kubernetes);
            this.teardown = new Teardown(store, specs, platform, routers, events, instances, locks,
                    kubernetes::manages, stateDir, clock, holder);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Re-adopts what is running and starts supervision. */
    public void start() {
        int stale = store.releaseLocksNotHeldBy(holder);
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_STARTED, "control plane started (pid "
                + ProcessHandle.current().pid() + ", state " + stateDir + ")" + released(stale));
        adoptAll();
        synchronized (tickerLock) {
            startTickers();
        }
    }

    /**
     * Starts as one of several replicas on a shared store: stands for election and, each time it wins, adopts
     * (re-reads the store) and starts the tickers; each time it loses, stops them at once. Adoption runs off the
     * election thread so lease renewals are never late because of it.
     */
    public void start(Leadership election) {
        this.leadership = election;
        leaderWork = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "deployguard-leadership");
            t.setDaemon(true);
            return t;
        });
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_STARTED, "control plane started (pid "
                + ProcessHandle.current().pid() + ", state " + stateDir + ") as replica " + election.identity()
                + "; it acts only while it holds the leader lease");
        election.start(() -> leaderWork.execute(this::lead), this::follow);
    }

    private void lead() {
        Leadership l = leadership;
        if (closed || !l.isLeader()) {
            return;
        }
        int stale = store.releaseLocksNotHeldBy(holder);
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_LEADING, "replica " + l.identity()
                + " now leads: adopting what runs and starting supervision and rollouts" + released(stale));
        adoptAll();
        synchronized (tickerLock) {
            if (!closed && l.isLeader() && ticker == null) {
                startTickers();
            }
        }
    }

    /** Runs on the election thread when the lease is lost: nothing may change after this returns. */
    private void follow() {
        stopTickers(Duration.ofSeconds(1));
        events.record(null, null, "system", EventKinds.CONTROL_PLANE_FOLLOWING, "replica "
                + leadership.identity() + " no longer leads (" + leadership.whyStopped() + "); its supervision and"
                + " rollout tickers stopped");
    }

    private void stopTickers(Duration wait) {
        ScheduledExecutorService s;
        ScheduledExecutorService r;
        synchronized (tickerLock) {
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

    private static String released(int stale) {
        return stale > 0 ? "; released " + stale + " lock(s) left by a stopped control plane" : "";
    }

    /**
     * Refuses a change on a replica that is not the leader (HTTP 503, exit code 5), naming the Lease holder so the
     * caller knows where to send it; a control plane without leader election always leads.
     */
    public void requireLeader(String what) {
        Leadership l = leadership;
        if (l == null || l.isLeader()) {
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

    /** Each tick asks again: a lease that ran out stops the work even before the tickers are shut down. */
    private boolean leads() {
        Leadership l = leadership;
        return l == null || l.isLeader();
    }

    /** "leader", "follower", or "single" without leader election. */
    public String role() {
        Leadership l = leadership;
        return l == null ? "single" : l.isLeader() ? "leader" : "follower";
    }

    /**
     * What keeps this control plane from doing its work: a supervision or rollout loop stuck in a tick or starved
     * of ticks, or an app whose supervision hangs. Empty when healthy.
     */
    public List<LoopHealth.Problem> healthProblems() {
        List<LoopHealth.Problem> out = new ArrayList<>(loops.problems());
        out.addAll(supervisor.problems());
        out.addAll(rollouts.problems());
        return out;
    }

    /** Supervision rounds this replica has run (a follower's count stands still). */
    public long supervisionRounds() {
        return supervisionRounds.get();
    }

    private void adoptAll() {
        List<String> routerAhead = new ArrayList<>();
        for (String app : store.apps()) {
            if (adopt(app)) {
                routerAhead.add(app);
            }
        }
        try {
            // Every router has now taken the restored store's routes; from here on a router ahead means lost writes.
            java.nio.file.Files.deleteIfExists(stateDir.resolve(RouterProcesses.RESTORED_MARKER));
        } catch (IOException e) {
            events.record(null, null, "system", EventKinds.ROUTER_ADOPTED, "cannot remove the restore marker "
                    + RouterProcesses.RESTORED_MARKER + ": " + e.getMessage() + "; remove it by hand");
        }
        rollouts.resumeAll();
        for (String app : routerAhead) {
            holdRollout(app);
        }
    }

    /**
     * The router was ahead of the store, so the stored rollout may be behind what users get (a step or an ending
     * that was carried out but not kept): resuming it would set weights the router already left. It is paused for
     * a person to look, never driven against the router.
     */
    private void holdRollout(String app) {
        if (!rollouts.hasActive(app)) {
            return;
        }
        try {
            rollouts.command(app, RolloutEngine.Command.PAUSE, "system");
            events.record(app, null, "system", "rollout.held", "the router holds newer routes than the store,"
                    + " so the stored rollout may be behind what users get; it is paused instead of resumed: check"
                    + " `deployguard status " + app + "`, then resume, promote or abort it");
        } catch (DeployGuardException e) {
            // Already paused, or baking (promoted: its weights are final): nothing to hold.
        }
    }

    private void startTickers() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deployguard-supervisor");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(loops.watch("supervisor", LOOP_LIMIT, safely("supervisor", () -> {
            if (leads()) {
                supervisor.tick();
                supervisionRounds.incrementAndGet();
            }
        })), 500, 250, TimeUnit.MILLISECONDS);
        rolloutTicker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deployguard-rollouts");
            t.setDaemon(true);
            return t;
        });
        rolloutTicker.scheduleWithFixedDelay(loops.watch("rollouts", LOOP_LIMIT, safely("rollouts", () -> {
            if (leads()) {
                rollouts.tick();
            }
        })), 250, 200, TimeUnit.MILLISECONDS);
        gitopsTicker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deployguard-gitops");
            t.setDaemon(true);
            return t;
        });
        gitopsTicker.scheduleWithFixedDelay(safely("gitops", () -> {
            if (leads()) {
                gitops.tick();
            }
        }), 1, 1, TimeUnit.SECONDS);
    }

    /**
     * A scheduled executor stops a task for good after one exception; supervision must outlive a database hiccup,
     * so every tick is guarded and the failure reported on stderr: once per distinct message, and once when the
     * tick works again (a full disk fails every tick for as long as it lasts: four lines a second otherwise).
     */
    private static Runnable safely(String what, Runnable tick) {
        var last = new java.util.concurrent.atomic.AtomicReference<String>();
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

    /** Re-adopts one app's instances and router; true if the router was ahead of the store (its table adopted). */
    private boolean adopt(String app) {
        Integer canary = store.activeRollout(app).map(Rollout::canaryRevision).orElse(null);
        for (Release r : store.history(app)) {
            if ((r.status() == ReleaseStatus.PROGRESSING || r.status() == ReleaseStatus.PENDING)
                    && !Integer.valueOf(r.revision()).equals(canary)) {
                store.setStatus(app, r.revision(), ReleaseStatus.FAILED);
                events.record(app, r.revision(), "system", "deploy.interrupted", "revision " + r.revision()
                        + " (" + r.version() + ") was in progress when the previous control plane stopped; marked"
                        + " FAILED (traffic was never switched to it unless it became DEPLOYED)");
            }
        }
        for (Instance i : store.instances(app)) {
            Release r = store.release(app, i.revision()).orElse(null);
            boolean wanted = r != null && (r.status() == ReleaseStatus.DEPLOYED
                    || r.status() == ReleaseStatus.SUPERSEDED || Integer.valueOf(r.revision()).equals(canary));
            if (platform.isAlive(i) && wanted) {
                events.record(app, i.revision(), "system", EventKinds.INSTANCE_ADOPTED, "instance " + i.index()
                        + " of revision " + i.revision() + " re-adopted (pid " + i.pid() + ", port " + i.port() + ")",
                        Map.of("pid", i.pid(), "port", i.port()));
            } else if (!wanted) {
                if (platform.isAlive(i)) {
                    platform.kill(i);
                }
                store.removeInstance(app, i.revision(), i.index());
            }
            // Wanted but dead: the supervisor restarts it with backoff and records the crash.
        }
        stopUnrecorded(app);
        Optional<RouteTable> stored = store.routes(app);
        try {
            routers.adoptOrRestart(app, "system");
        } catch (DeployGuardException e) {
            events.record(app, null, "system", EventKinds.ROUTER_CRASHED, "cannot bring the router back: "
                    + e.getMessage());
        }
        return !store.routes(app).equals(stored);
    }

    /**
     * The store says which instances run; the world may hold more: a duplicate of an instance (its replacement's
     * start was stored, the old one's stop was not) or an instance whose stop was under way when the previous
     * control plane died (its record is removed before it is stopped). Neither is wanted: each is stopped, never
     * adopted or restarted.
     */
    private void stopUnrecorded(String app) {
        List<Instance> recorded = store.instances(app);
        Optional<AppSpec> spec;
        try {
            spec = specs.get().app(app);
        } catch (DeployGuardException e) {
            spec = Optional.empty(); // a broken spec file: stop them without its grace period
        }
        for (Instance found : platform.running(app)) {
            boolean known = recorded.stream().anyMatch(i -> i.pid() == found.pid() && platform.isAlive(i));
            if (known) {
                continue;
            }
            Instance slot = recorded.stream().filter(i -> i.revision() == found.revision()
                    && i.index() == found.index()).findFirst().orElse(null);
            if (spec.isPresent()) {
                platform.stop(found, spec.get().local().stop());
            } else {
                platform.kill(found);
            }
            events.record(app, found.revision(), "system", EventKinds.INSTANCE_STOPPED, "instance " + found.index()
                    + " of revision " + found.revision() + " (pid " + found.pid() + ") stopped on adoption: "
                    + (slot == null ? "the store records no such instance (its stop was under way when the previous"
                    + " control plane stopped)" : "a duplicate of the recorded instance (pid " + slot.pid() + ")"),
                    Map.of("pid", found.pid(), "duplicateOf", slot == null ? 0 : slot.pid()));
        }
    }

    /** Whether {@code address} is held by a live router this control plane started for the app (or its preview). */
    private boolean ownsRouter(String app, dev.deployguard.spec.LocalPlatformSpec.ListenAddress address) {
        for (String name : List.of(app, app + "-preview")) {
            var record = store.router(name).orElse(null);
            if (record != null && address.toString().equals(record.listen())
                    && LocalPlatform.handle(record.pid(), record.processStart()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    public Store store() {
        return store;
    }

    /** Where the store lives, for backups taken through this (running) control plane. */
    public dev.deployguard.store.backup.StoreLocation storeLocation() {
        return storeLocation;
    }

    public Deployer deployer() {
        return deployer;
    }

    public RolloutRunner rollouts() {
        return rollouts;
    }

    /** The pre-deployment checklist, as deploy runs it and {@code POST /api/apps/APP/check} shows it. */
    public DeployChecks checks() {
        return checks;
    }

    public Incidents incidents() {
        return incidents;
    }

    /** Status, history, deploy, rollback and logs of {@code app} on its platform (chosen by its spec). */
    public dev.deployguard.server.deploy.AppOperations apps(String app) {
        return kubernetes.manages(app) ? kubernetes : localApps;
    }

    /** Deploy, rollback, history and status of apps on Kubernetes. */
    public KubernetesApps kubernetes() {
        return kubernetes;
    }

    /** {@code stop}, {@code delete} and {@code down} of apps on the local platform. */
    public Teardown teardown() {
        return teardown;
    }

    public DrillRunner drills() {
        return drills;
    }

    public Supervisor supervisor() {
        return supervisor;
    }

    public EventLog events() {
        return events;
    }

    public RouterProcesses routers() {
        return routers;
    }

    public LocalPlatform platform() {
        return platform;
    }


    /**
     * Writes restore commits after rollbacks and retries pending ones; GitOps controllers' rollbacks call it too, and
     * ask {@code gitops().restorer().headDeploys(...)} before re-arming automation.
     */
    public GitCatchUp gitops() {
        return gitops;
    }


    public SpecSource specs() {
        return specs;
    }

    public String apiToken() {
        return apiToken;
    }

    public Path stateDir() {
        return stateDir;
    }

    /**
     * Stops every instance and router of every app (quickstart teardown, tests). A normal {@link #close()} leaves
     * them serving, by design.
     */
    public void stopEverything() {
        stopTickers(Duration.ofSeconds(5));
        for (String app : store.apps()) {
            var spec = specs.get().app(app);
            for (Instance i : store.instances(app)) {
                if (spec.isPresent()) {
                    platform.stop(i, spec.get().local().stop());
                } else {
                    platform.kill(i);
                }
                store.removeInstance(app, i.revision(), i.index());
            }
            routers.stop(app);
            routers.stop(app + "-preview");
        }
    }

    @Override
    public void close() {
        closed = true;
        if (leadership != null) {
            leadership.close();
            leaderWork.shutdownNow();
        }
        rollouts.close();
        incidents.close();
        notifier.close();
        stopTickers(Duration.ofSeconds(5));
        kubernetes.close();
        clients.close();
        store.close();
    }

    /** Reads a secret file, creating it (mode 600) with 32 random bytes on first use. */
    static String secret(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            Files.createDirectories(file.getParent());
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            String token = HexFormat.of().formatHex(b);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, token);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return token;
        } catch (IOException e) {
            throw new DeployGuardException(ExitCode.FAILURE, "cannot read or create " + file + ": " + e.getMessage());
        }
    }
}
