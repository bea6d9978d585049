package dev.deployguard.server;

import dev.deployguard.analysis.Judge;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.leader.Leadership;
import dev.deployguard.gitops.git.JGitRestorer;
import dev.deployguard.kubernetes.client.KubeClientCache;
import dev.deployguard.local.process.LocalPlatform;
import dev.deployguard.platform.Instance;
import dev.deployguard.release.Release;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.server.check.ChecklistFactory;
import dev.deployguard.server.check.DeployChecks;
import dev.deployguard.server.deploy.Analyses;
import dev.deployguard.server.deploy.AppLocks;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The control plane of one state directory, and its composition root: the constructor builds every part in order,
 * inward first, each getting what it uses in its constructor, and the accessors expose them to the API and the
 * tests. Starting it re-adopts what a previous control plane left running ({@link Adoption}: instances, routers,
 * routes) instead of starting duplicates, then runs the scheduled loops ({@link Tickers}). Several replicas may
 * share one store: started with {@link #start(Leadership)}, only the leader (Kubernetes Lease or PostgreSQL lease)
 * adopts and runs the supervisor and rollout tickers; the others serve reads and refuse changes
 * ({@link #requireLeader}; both in {@link LeaderWork}). With a PostgreSQL lease the store is fenced
 * ({@link EpochFence}): a stale leader's state changes are refused by the database even if it has not noticed yet
 * that it lost.
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
    private final Tickers tickers;
    private final LeaderWork leaderWork;

    /**
     * Where state lives, how to reach the database, and the Prometheus that scrapes ingress-nginx (null: none; the
     * canary analysis of ingress-nginx apps then needs queries of its own). {@code callerTicks}: no background loops;
     * whoever made the control plane runs every round itself ({@link ControlPlane#tick()}, or
     * {@code rollouts().tick()}), as tests in simulated time do, so nothing acts between two of their steps at
     * whatever the clock reads then.
     */
    public record Config(Path stateDir, Path specFile, String storeUrl, String storeUser, String storePassword,
                         String prometheusUrl, boolean callerTicks) {
        /** The supervision, rollout and GitOps loops run on their own threads, as a server needs. */
        public Config(Path stateDir, Path specFile, String storeUrl, String storeUser, String storePassword,
                      String prometheusUrl) {
            this(stateDir, specFile, storeUrl, storeUser, storePassword, prometheusUrl, false);
        }

        /** Prometheus from the environment's {@code DEPLOYGUARD_PROMETHEUS_URL}, as before the flag. */
        public Config(Path stateDir, Path specFile, String storeUrl, String storeUser, String storePassword) {
            this(stateDir, specFile, storeUrl, storeUser, storePassword, System.getenv("DEPLOYGUARD_PROMETHEUS_URL"));
        }

        /** This configuration with no background loops: the caller ticks ({@link ControlPlane#tick()}). */
        public Config withCallerTicks() {
            return new Config(stateDir, specFile, storeUrl, storeUser, storePassword, prometheusUrl, true);
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
                    .withKnownRouters((app, address) -> Adoption.ownsRouter(store, app, address)), events);
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
            this.tickers = new Tickers(supervisor, rollouts, gitops, !config.callerTicks());
            this.leaderWork = new LeaderWork(store, events, holder, stateDir,
                    new Adoption(store, specs, platform, routers, events, rollouts, stateDir)::adoptAll, tickers);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Re-adopts what is running and starts supervision. */
    public void start() {
        leaderWork.startAlone();
    }

    /**
     * Starts as one of several replicas on a shared store: stands for election and, each time it wins, adopts
     * (re-reads the store) and starts the tickers; each time it loses, stops them at once. Adoption runs off the
     * election thread so lease renewals are never late because of it.
     */
    public void start(Leadership election) {
        leaderWork.start(election);
    }

    /**
     * Refuses a change on a replica that is not the leader (HTTP 503, exit code 5), naming the Lease holder so the
     * caller knows where to send it; a control plane without leader election always leads.
     */
    public void requireLeader(String what) {
        leaderWork.requireLeader(what);
    }

    /** "leader", "follower", or "single" without leader election. */
    public String role() {
        return leaderWork.role();
    }

    /**
     * What keeps this control plane from doing its work: a supervision or rollout loop stuck in a tick or starved
     * of ticks, or an app whose supervision hangs. Empty when healthy.
     */
    public List<LoopHealth.Problem> healthProblems() {
        return tickers.problems();
    }

    /** Supervision rounds this replica has run (a follower's count stands still). */
    public long supervisionRounds() {
        return tickers.supervisionRounds();
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
     * One round of the supervision, rollout and GitOps loops on the caller's thread, if this replica leads: what the
     * loops do on their own unless the control plane was made with {@link Config#callerTicks()}.
     */
    public void tick() {
        tickers.tickOnce(leaderWork::leads);
    }

    /**
     * Stops every instance and router of every app (quickstart teardown, tests). A normal {@link #close()} leaves
     * them serving, by design.
     */
    public void stopEverything() {
        tickers.stop(Duration.ofSeconds(5));
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
        routers.stopHostRouter();
    }

    @Override
    public void close() {
        leaderWork.close();
        rollouts.close();
        incidents.close();
        notifier.close();
        tickers.stop(Duration.ofSeconds(5));
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
