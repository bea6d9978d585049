package dev.deployguard.server.check;

import dev.deployguard.check.Check;
import dev.deployguard.check.CheckContext;
import dev.deployguard.check.CheckNames;
import dev.deployguard.check.CheckResult;
import dev.deployguard.check.Checklist;
import dev.deployguard.check.ChecklistReport;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.kubernetes.check.CapacityCheck;
import dev.deployguard.kubernetes.check.NodeHealthCheck;
import dev.deployguard.kubernetes.check.PodStatusCheck;
import dev.deployguard.kubernetes.check.RollbackImageCheck;
import dev.deployguard.kubernetes.client.KubeClients;
import dev.deployguard.kubernetes.gitops.GitOpsOwnerCheck;
import dev.deployguard.kubernetes.helm.ChartCheck;
import dev.deployguard.local.check.LocalCommandCheck;
import dev.deployguard.local.check.LocalDiskCheck;
import dev.deployguard.local.check.LocalPortsCheck;
import dev.deployguard.local.check.OwnRouter;
import dev.deployguard.rollout.Strategy;
import dev.deployguard.spec.AppSpec;
import dev.deployguard.spec.ChecksSpec;
import dev.deployguard.spec.DatabaseSpec;
import dev.deployguard.spec.KubernetesSpec;
import dev.deployguard.spec.LocalPlatformSpec;
import dev.deployguard.store.check.HistoryTable;
import dev.deployguard.store.check.MigrationCheck;
import dev.deployguard.store.schema.LiquibaseCheck;
import dev.deployguard.store.schema.LiquibaseHistory;
import dev.deployguard.store.schema.SchemaCheck;
import dev.deployguard.store.schema.SchemaJudge;
import dev.deployguard.store.schema.Secrets;
import dev.deployguard.supplychain.SupplyChainChecks;
import dev.deployguard.supplychain.registry.DockerConfig;
import dev.deployguard.supplychain.registry.PullSecrets;
import dev.deployguard.supplychain.registry.RegistryCredentials;
import dev.deployguard.kubernetes.deployment.ImagePullSecrets;
import dev.deployguard.supplychain.scan.AllowlistEntry;
import dev.deployguard.supplychain.scan.Severity;
import dev.deployguard.supplychain.scan.VulnerabilityGate;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Builds an app's pre-deployment checklist from its spec — the checks that apply to its platform and the sections
 * it configures, one method per family — and runs it. Used alike by {@code deployguard check} (in-process), the
 * API and {@code deploy}, so all three judge readiness the same way.
 */
public final class ChecklistFactory {
    private final Path stateDir;
    private final Map<String, String> environment;
    private final Clock clock;
    private final Function<KubernetesSpec, KubernetesClient> clusters;
    private java.util.function.BiPredicate<String, LocalPlatformSpec.ListenAddress> knownRouters = (app, a) -> false;

    /**
     * @param stateDir    where instance logs and state go (measured by {@code local.disk})
     * @param environment the process environment: PATH for {@code local.command}, database credentials by name
     * @param clock       the time source of the run
     */
    public ChecklistFactory(Path stateDir, Map<String, String> environment, Clock clock) {
        this(stateDir, environment, clock, KubeClients::open);
    }

    /** With another way to reach an app's cluster (a test's mock API server). */
    public ChecklistFactory(Path stateDir, Map<String, String> environment, Clock clock,
                            Function<KubernetesSpec, KubernetesClient> clusters) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.environment = Map.copyOf(environment);
        this.clock = clock;
        this.clusters = clusters;
    }

    /**
     * Routers the caller knows to be the app's own (the control plane's records: app name or {@code APP-preview},
     * listen address, live pid). Asked before the process scan of {@link OwnRouter}, which is the only way a
     * {@code deployguard check} run outside the control plane can tell.
     */
    public ChecklistFactory withKnownRouters(java.util.function.BiPredicate<String, LocalPlatformSpec.ListenAddress> known) {
        this.knownRouters = known;
        return this;
    }

    /** Runs the app's checklist for {@code version} (may be null: checks that need it say so). */
    public ChecklistReport run(AppSpec app, String version) {
        ChecksSpec spec = spec(app);
        KubernetesClient cluster = null;
        String clusterProblem = null;
        if (app.onKubernetes()) {
            try {
                cluster = clusters.apply(app.kubernetes());
            } catch (DeployGuardException e) {
                clusterProblem = e.getMessage();
            }
        }
        try {
            RegistryCredentials credentials = pullSecrets(app, cluster);
            String digest = imageDigest(app, version, spec.timeout(), credentials);
            List<Check> checks = new ArrayList<>();
            checks.addAll(localChecks(app, spec));
            checks.addAll(SupplyChainChecks.forImage(app.image(), credentials));
            checks.addAll(vulnerabilityChecks(spec));
            checks.addAll(migrationChecks(app, spec));
            checks.addAll(schemaChecks(app));
            checks.addAll(chartChecks(app, spec, cluster));
            checks.addAll(clusterChecks(app, cluster, clusterProblem));
            return new Checklist(checks, spec.skip()).run(app.name(),
                    new CheckContext(app, version, spec.timeout(), clock, digest));
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private java.util.function.Predicate<LocalPlatformSpec.ListenAddress> ownRouter(String app) {
        OwnRouter scan = new OwnRouter(app);
        return a -> knownRouters.test(app, a) || scan.test(a);
    }

    static ChecksSpec spec(AppSpec app) {
        return app.checks() == null ? ChecksSpec.DEFAULTS : app.checks();
    }

    /** {@code local.command}, {@code local.ports}, {@code local.disk}: for apps on this host. */
    List<Check> localChecks(AppSpec app, ChecksSpec spec) {
        LocalPlatformSpec local = app.local();
        if (local == null) {
            return List.of();
        }
        String at = "apps." + app.name();
        List<LocalPortsCheck.Address> addresses = new ArrayList<>();
        addresses.add(new LocalPortsCheck.Address(local.listen(), at + ".platform.local.listen"));
        if (local.tls() != null) {
            addresses.add(new LocalPortsCheck.Address(local.tls().listen(), at + ".platform.local.tls.listen"));
        }
        if (app.strategy() instanceof Strategy.BlueGreen bg && bg.previewListen() != null) {
            String[] hp = bg.previewListen().split(":(?=[^:]+$)");
            addresses.add(new LocalPortsCheck.Address(new LocalPlatformSpec.ListenAddress(hp[0],
                    Integer.parseInt(hp[1])), at + ".strategy.blueGreen.previewListen"));
        }
        return List.of(
                new LocalCommandCheck(local.command().get(0), local.workingDir(),
                        environment.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"),
                        at + ".platform.local.command[0]"),
                new LocalPortsCheck(addresses, ownRouter(app.name())),
                new LocalDiskCheck(stateDir.resolve("logs"), spec.disk().minFreeBytes()));
    }

    /**
     * The digest the image tag resolves to before the checks run, bounded by the check timeout; null when there is
     * no image or no answer in time (the registry check then says why).
     */
    private String imageDigest(AppSpec app, String version, Duration timeout, RegistryCredentials credentials) {
        if (app.image() == null) {
            return null;
        }
        var future = CompletableFuture.supplyAsync(() -> SupplyChainChecks.resolveDigest(app, version,
                credentials));
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            future.cancel(true);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * A Kubernetes app's registry credentials as a deploy uses them: its Deployment's pull Secrets, then the Docker
     * config; null (the Docker config's) when there is no image, no cluster, no Deployment or no Secret.
     */
    private static RegistryCredentials pullSecrets(AppSpec app, KubernetesClient cluster) {
        if (app.image() == null || cluster == null || app.kubernetes().helm() != null) {
            return null;
        }
        try {
            Deployment d = cluster.apps().deployments().inNamespace(app.kubernetes().namespace())
                    .withName(app.kubernetes().deploymentName(app.name())).get();
            if (d == null) {
                return null;
            }
            PullSecrets secrets = new PullSecrets(ImagePullSecrets.of(cluster, app.kubernetes().namespace(),
                    d.getSpec().getTemplate().getSpec()).stream()
                    .map(f -> new PullSecrets.Secret(f.name(), f.type(), f.content())).toList());
            return secrets.isEmpty() ? null : secrets.then(DockerConfig.fromEnvironment());
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return null; // the cluster checks say why the cluster cannot be read
        }
    }

    /** {@code vulnerabilities}: the scanner-report gate, when {@code checks.vulnerabilities} is configured. */
    List<Check> vulnerabilityChecks(ChecksSpec spec) {
        ChecksSpec.Vulnerabilities v = spec.vulnerabilities();
        if (v == null) {
            return List.of();
        }
        List<AllowlistEntry> allowlist = v.allowlist().stream()
                .map(e -> new AllowlistEntry(e.id(), e.until(), e.reason())).toList();
        Severity failOn = Severity.parse(v.failOn()).orElse(Severity.HIGH);
        return List.of(new VersionedReports(v, failOn, allowlist));
    }

    /**
     * {@code migrations}: the Flyway history, when {@code checks.migrations} is configured. Credentials come from the
     * named environment variables; a named but unset variable makes the check "cannot tell", naming the variable.
     */
    List<Check> migrationChecks(AppSpec app, ChecksSpec spec) {
        ChecksSpec.Migrations m = spec.migrations();
        if (m == null) {
            return List.of();
        }
        List<String> unset = new ArrayList<>();
        for (String var : new String[] {m.userEnv(), m.passwordEnv()}) {
            if (var != null && !environment.containsKey(var)) {
                unset.add(var);
            }
        }
        if (!unset.isEmpty()) {
            return List.of(new CannotRunCheck(CheckResult.error(CheckNames.MIGRATIONS, "cannot connect to the"
                    + " migration history: environment variable " + String.join(" and ", unset) + " is not set",
                    "set " + String.join(" and ", unset) + " in the environment of DeployGuard (apps." + app.name()
                    + ".checks.migrations names it)")));
        }
        return List.of(new MigrationCheck(m.jdbcUrl(), m.userEnv() == null ? null : environment.get(m.userEnv()),
                m.passwordEnv() == null ? null : environment.get(m.passwordEnv()), HistoryTable.parse(m.table())));
    }

    /**
     * {@code schema}: the release being deployed knows the database's schema, when the app has a {@code database}
     * section. An unset credential variable makes it "cannot tell", naming the variable.
     */
    List<Check> schemaChecks(AppSpec app) {
        DatabaseSpec db = app.database();
        if (db == null) {
            return List.of();
        }
        List<String> unset = new ArrayList<>();
        for (String var : new String[] {db.userEnv(), db.passwordEnv()}) {
            if (var != null && !environment.containsKey(var)) {
                unset.add(var);
            }
        }
        if (!unset.isEmpty()) {
            return List.of(new CannotRunCheck(CheckResult.error(CheckNames.SCHEMA, "cannot read the schema"
                    + " history: environment variable " + String.join(" and ", unset) + " is not set",
                    "set " + String.join(" and ", unset) + " in the environment of DeployGuard (apps." + app.name()
                    + ".database names it)")));
        }
        // The checklist bounds the whole check by checks.timeout; this bounds each statement.
        int seconds = (int) Math.max(1, app.checks() == null ? 10 : app.checks().timeout().toSeconds());
        String user = db.userEnv() == null ? null : environment.get(db.userEnv());
        String password = db.passwordEnv() == null ? null : environment.get(db.passwordEnv());
        // A deploy that runs the migrations creates the history table itself: its absence then means "none yet".
        var judge = SchemaJudge.of(db, user, password, seconds, db.migrate() == DatabaseSpec.Migrate.EXPAND);
        SchemaCheck.Canary canary = app.strategy() == null || !app.strategy().isProgressive() ? SchemaCheck.Canary.NONE
                : db.migrate() == DatabaseSpec.Migrate.EXPAND ? SchemaCheck.Canary.HELD : SchemaCheck.Canary.APP;
        List<Check> out = new ArrayList<>(List.of(new SchemaCheck(judge, canary)));
        if (db.tool() == DatabaseSpec.Tool.LIQUIBASE && (app.checks() == null || app.checks().migrations() == null)) {
            // Liquibase's failed changesets and lock row, read from the same database section.
            out.add(new LiquibaseCheck(new LiquibaseHistory(db.jdbcUrl(), user, password, db.table(), seconds),
                    db.jdbcUrl() + (user == null ? "" : " as user '" + user + "'"),
                    new Secrets(password == null ? List.of() : List.of(password))));
        }
        return out;
    }

    /**
     * {@code chart}: helm lint, template and schema validation of {@code checks.chart}, plus a server-side dry-run
     * when the app is on a cluster that can be reached.
     */
    List<Check> chartChecks(AppSpec app, ChecksSpec spec, KubernetesClient cluster) {
        ChecksSpec.Chart chart = spec.chart();
        if (chart == null) {
            return List.of();
        }
        return List.of(cluster == null ? new ChartCheck(chart.path(), chart.values())
                : new ChartCheck(chart.path(), chart.values(), cluster, app.kubernetes().namespace()));
    }

    /**
     * {@code cluster.health}, {@code cluster.pods}, {@code cluster.capacity}, {@code gitops.owner}: for apps on
     * Kubernetes. Pods and
     * capacity are judged by the app's Deployment as the cluster has it (its selector, replicas and pod template).
     * A cluster that cannot even be reached (no kubeconfig) makes all three "cannot tell", with the reason.
     */
    List<Check> clusterChecks(AppSpec app, KubernetesClient cluster, String problem) {
        if (!app.onKubernetes()) {
            return List.of();
        }
        boolean prePull = app.kubernetes().prePull().enabled();
        List<String> names = new ArrayList<>(List.of(CheckNames.CLUSTER_HEALTH, CheckNames.CLUSTER_PODS,
                CheckNames.CLUSTER_CAPACITY, CheckNames.GITOPS_OWNER));
        if (prePull) {
            names.add(CheckNames.CLUSTER_ROLLBACK_IMAGE);
        }
        if (cluster == null) {
            return names.stream().<Check>map(n -> new CannotRunCheck(CheckResult.error(n, "cannot reach the cluster: "
                    + problem, "fix apps." + app.name() + ".platform.kubernetes (kubeconfig, context)"))).toList();
        }
        KubernetesSpec k8s = app.kubernetes();
        String deployment = k8s.deploymentName(app.name());
        List<Check> checks = new ArrayList<>(List.of(
                new NodeHealthCheck(cluster),
                new FromDeployment(CheckNames.CLUSTER_PODS, cluster, k8s.namespace(), deployment,
                        d -> pods(cluster, k8s.namespace(), d)),
                new FromDeployment(CheckNames.CLUSTER_CAPACITY, cluster, k8s.namespace(), deployment,
                        d -> capacity(cluster, d)),
                new FromDeployment(CheckNames.GITOPS_OWNER, cluster, k8s.namespace(), deployment,
                        d -> new GitOpsOwnerCheck(cluster, app.gitops().argocdNamespace(), d))));
        if (prePull) {
            checks.add(new FromDeployment(CheckNames.CLUSTER_ROLLBACK_IMAGE, cluster, k8s.namespace(), deployment,
                    d -> rollbackImage(cluster, app, d)));
        }
        return checks;
    }

    /** {@code cluster.rollback-image}: the serving container's image, counted on the nodes that may run the app. */
    private static Check rollbackImage(KubernetesClient cluster, AppSpec app, Deployment d) {
        var pod = d.getSpec().getTemplate().getSpec();
        String container = app.kubernetes().container();
        String image = pod.getContainers().stream().filter(c -> container == null || container.equals(c.getName()))
                .map(io.fabric8.kubernetes.api.model.Container::getImage).findFirst().orElse(null);
        if (image == null) {
            return new CannotRunCheck(CheckResult.error(CheckNames.CLUSTER_ROLLBACK_IMAGE, "Deployment "
                    + d.getMetadata().getName() + " has no container " + container, "check"
                    + " apps." + app.name() + ".platform.kubernetes.container"));
        }
        return new RollbackImageCheck(cluster, app.kubernetes().namespace(), app.name(), pod, image);
    }

    private static Check pods(KubernetesClient cluster, String namespace, Deployment d) {
        var selector = d.getSpec().getSelector();
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            return new CannotRunCheck(CheckResult.error(CheckNames.CLUSTER_PODS, "Deployment " + namespace + "/"
                    + d.getMetadata().getName() + " has no matchLabels selector to find its pods by",
                    "give the Deployment a spec.selector.matchLabels"));
        }
        return new PodStatusCheck(cluster, namespace, selector.getMatchLabels());
    }

    private static Check capacity(KubernetesClient cluster, Deployment d) {
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        long perPod = CapacityCheck.memoryRequest(d.getSpec().getTemplate().getSpec());
        if (replicas < 1 || perPod <= 0) {
            String why = replicas < 1 ? "Deployment " + d.getMetadata().getName() + " runs 0 replicas"
                    : "the pods of Deployment " + d.getMetadata().getName() + " request no memory";
            return new CannotRunCheck(CheckResult.skipped(CheckNames.CLUSTER_CAPACITY, why + "; there is nothing to"
                    + " compare with allocatable memory (set resources.requests.memory on its containers)"));
        }
        return new CapacityCheck(cluster, replicas, perPod);
    }

    /** The vulnerability gate with the report paths of the version being checked ({@code ${version}} filled). */
    private static final class VersionedReports implements Check {
        private final ChecksSpec.Vulnerabilities spec;
        private final Severity failOn;
        private final List<AllowlistEntry> allowlist;

        VersionedReports(ChecksSpec.Vulnerabilities spec, Severity failOn, List<AllowlistEntry> allowlist) {
            this.spec = spec;
            this.failOn = failOn;
            this.allowlist = allowlist;
        }

        @Override
        public String name() {
            return VulnerabilityGate.NAME;
        }

        @Override
        public CheckResult run(CheckContext context) {
            boolean needsVersion = spec.reports().stream().anyMatch(r -> r.contains("${version}"));
            if (needsVersion && context.version() == null) {
                return CheckResult.error(name(), "the scanner report paths depend on the"
                        + " version, and none was given", "pass the version to check with --version V");
            }
            return new VulnerabilityGate(spec.reports(context.version()), failOn, allowlist).run(context);
        }
    }
}
