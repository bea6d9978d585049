package dev.deployguard.bench.kubernetes;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.testing.SimulatedClock;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.deploy.Deployer;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * {@code bench/run k8s-rollouts [--apps N] [--passes P] [--server mock|fast|both] [--quick] [--json]}: how many
 * concurrent Kubernetes canaries one control plane drives. N Deployment apps (default 1,000), all in one spec, each
 * with {@code strategy.canary} (setWeight, pause, analysis steps; a {@code web} metric source served in-process) and
 * {@code platform.kubernetes.traffic.ingressNginx}, are deployed through the real control plane ({@link
 * ControlPlane}: KubernetesApps, KubernetesRollouts, RolloutRunner, the embedded H2 store), so N rollouts are
 * active at once. Then the simulated clock moves one analysis interval at a time and each
 * {@code RolloutRunner.tick()} (what the control plane's rollout ticker runs) is timed: wall time per pass, API
 * calls and metric queries per app, and where the time went (a stack sampler). Run against fabric8's CRUD mock
 * (MockCluster) and against {@link FastApiServer}, a hash-map stand-in that leaves DeployGuard's own cost.
 */
public final class RolloutsBench {
    private static final String NS = "bench";
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    /** The control plane's rollout ticker waits this long between two ticks (ControlPlane.startTickers). */
    private static final Duration TICKER_DELAY = Duration.ofMillis(200);

    private final int apps;
    private final int passes;
    private final Path dir;
    private final MetricsServer metrics;

    private RolloutsBench(int apps, int passes, Path dir, MetricsServer metrics) {
        this.apps = apps;
        this.passes = passes;
        this.dir = dir;
        this.metrics = metrics;
    }

    public static void main(String[] args) throws Exception {
        int apps = 1_000;
        int passes = 8;
        String server = "both";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--apps" -> apps = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--server" -> server = args[++i];
                case "--quick" -> {
                    apps = 200;
                    passes = 6;
                }
                case "--json" -> { } // the output is always JSON
                default -> {
                    System.err.println("usage: bench/run k8s-rollouts [--apps N] [--passes P]"
                            + " [--server mock|fast|both] [--quick] [--json]");
                    System.exit(2);
                }
            }
        }
        if (!List.of("mock", "fast", "both").contains(server) || apps < 1 || passes < 1) {
            System.err.println("k8s-rollouts: --server is mock, fast or both; --apps and --passes at least 1");
            System.exit(2);
        }
        // JDK HttpServer answers keep-alive requests late (Nagle) without it: the stand-ins would measure 40 ms stalls.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        Path dir = Files.createTempDirectory("k8s-rollouts");
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("benchmark", "k8s-rollouts");
        out.put("apps", apps);
        out.put("passes", passes);
        out.put("analysis_interval_seconds", INTERVAL.toSeconds());
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("load_average_1m_at_start", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        try (MetricsServer metrics = new MetricsServer()) {
            RolloutsBench bench = new RolloutsBench(apps, passes, dir, metrics);
            if (!server.equals("mock")) {
                out.set("fast_server", bench.onFastServer());
            }
            if (!server.equals("fast")) {
                out.set("fabric8_crud_mock", bench.onMock());
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println(Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    }

    private ObjectNode onFastServer() throws Exception {
        try (FastApiServer api = new FastApiServer(8)) {
            Path kubeconfig = dir.resolve("fast-kubeconfig");
            Files.writeString(kubeconfig, MockCluster.kubeconfigText(api.url(), "default"));
            try (KubernetesClient setup = client(api.url())) {
                ObjectNode o = run("fast", kubeconfig, setup, api::requests);
                o.put("api_server", "FastApiServer (bench stand-in: hash maps, Deployments rolled out at once),"
                        + " JDK HttpServer on 127.0.0.1, same JVM");
                o.put("api_server_busy_seconds", seconds(api.busyNanos()));
                o.putPOJO("api_calls_by_method", api.requestsByMethod());
                return o;
            }
        }
    }

    private ObjectNode onMock() throws Exception {
        try (MockCluster cluster = MockCluster.start()) {
            ObjectNode o = run("mock", cluster.kubeconfig(), cluster.client(), () -> cluster.calls().size());
            o.put("api_server", "fabric8 KubernetesMockServer 8.0.0, CRUD mode, behind the test oracle dispatcher"
                    + " (MockCluster), 127.0.0.1, same JVM");
            return o;
        }
    }

    private static KubernetesClient client(String url) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).withNamespace(NS)
                .withRequestRetryBackoffLimit(0).withRequestTimeout(120_000).build()).build();
    }

    private ObjectNode run(String name, Path kubeconfig, KubernetesClient setup, LongSupplier apiCalls)
            throws Exception {
        ObjectNode o = Json.mapper().createObjectNode();
        long t0 = System.nanoTime();
        setup.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        parallel(4, i -> seed(setup, i));
        o.put("seed_seconds", seconds(System.nanoTime() - t0));
        System.err.println("k8s-rollouts[" + name + "]: " + apps + " apps seeded in " + o.get("seed_seconds") + " s");

        Path spec = dir.resolve(name + "-deployguard.yaml");
        Files.writeString(spec, spec(kubeconfig));
        SimulatedClock clock = new SimulatedClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (ControlPlane cp = new ControlPlane(new ControlPlane.Config(dir.resolve(name + "-state"), spec, null,
                null, null), clock)) {
            long calls0 = apiCalls.getAsLong();
            long t1 = System.nanoTime();
            PhaseSampler sampler = new PhaseSampler(RolloutsBench::setupThreads,
                    "dev.deployguard.server.kubernetes.KubernetesApps");
            parallel(4, i -> {
                var r = cp.kubernetes().deploy(new Deployer.DeployRequest(app(i), "v2", null, false, null, "bench",
                        true));
                if (!r.message().contains("canary rollout of v2")) {
                    throw new IllegalStateException(app(i) + ": " + r.message());
                }
            });
            o.put("deploy_seconds", seconds(System.nanoTime() - t1));
            sampler.close();
            o.set("deploy_time_split", split(sampler.take()));
            o.put("deploy_api_calls_per_app", round2((apiCalls.getAsLong() - calls0) / (double) apps));
            int active = active(cp);
            if (active != apps) {
                throw new IllegalStateException(active + " of " + apps + " rollouts active after the deploys");
            }
            o.put("active_rollouts", active);
            // The mock has no Deployment controller: roll the canary Deployments out as one would, so their
            // preparation ends on the next tick (the fast stand-in rolls Deployments out by itself).
            if (name.equals("mock")) {
                parallel(4, i -> rollOut(setup, app(i) + "-canary"));
            }
            System.err.println("k8s-rollouts[" + name + "]: " + apps + " canaries started in "
                    + o.get("deploy_seconds") + " s");
            passes(cp, clock, apiCalls, o);
        }
        return o;
    }

    private void passes(ControlPlane cp, SimulatedClock clock, LongSupplier apiCalls, ObjectNode o)
            throws Exception {
        ArrayNode each = o.putArray("pass");
        List<Double> wall = new ArrayList<>();
        Map<String, Long> phases = new TreeMap<>();
        long calls = 0;
        long queries = 0;
        Thread me = Thread.currentThread();
        try (PhaseSampler sampler = new PhaseSampler(() -> tickThreads(me),
                "dev.deployguard.server.deploy.RolloutRunner")) {
            for (int p = 1; p <= passes; p++) {
                clock.advance(INTERVAL);
                long calls0 = apiCalls.getAsLong();
                long queries0 = metrics.requests();
                sampler.take();
                long t = System.nanoTime();
                cp.rollouts().tick();
                long elapsed = System.nanoTime() - t;
                Map<String, Long> sampled = sampler.take();
                long passCalls = apiCalls.getAsLong() - calls0;
                long passQueries = metrics.requests() - queries0;
                ObjectNode row = each.addObject();
                row.put("pass", p);
                row.put("simulated_seconds", p * INTERVAL.toSeconds());
                row.put("seconds", seconds(elapsed));
                row.put("api_calls", passCalls);
                row.put("metric_queries", passQueries);
                row.putPOJO("weights", weights(cp));
                row.putPOJO("samples", sampled);
                System.err.println("k8s-rollouts: pass " + p + ": " + row);
                wall.add(elapsed / 1e9);
                calls += passCalls;
                queries += passQueries;
                sampled.forEach((k, v) -> phases.merge(k, v, Long::sum));
            }
        }
        int active = active(cp);
        if (active != apps) {
            // Every canary is still within its steps after these passes; an ended one means something gave up
            // (a preparation deadline, a failed step), and the figures would not be about running canaries.
            throw new IllegalStateException(active + " of " + apps + " rollouts still active after " + passes
                    + " passes: " + weights(cp));
        }
        List<Double> sorted = wall.stream().sorted().toList();
        double p50 = sorted.get((sorted.size() - 1) / 2);
        double max = sorted.get(sorted.size() - 1);
        o.put("active_rollouts_after", active);
        o.put("pass_seconds_p50", round3(p50));
        o.put("pass_seconds_max", round3(max));
        o.put("apps_per_second_p50", Math.round(apps / p50));
        // The ticker runs the next pass TICKER_DELAY after the previous one ends.
        o.put("fits_in_interval", max + TICKER_DELAY.toMillis() / 1000.0 <= INTERVAL.toSeconds());
        o.put("api_calls_per_app_per_interval", round3(calls / (double) apps / passes));
        o.put("metric_queries_per_app_per_interval", round3(queries / (double) apps / passes));
        o.set("time_split", split(phases));
    }

    /** Each phase's share of the samples, largest first. */
    private static ObjectNode split(Map<String, Long> phases) {
        long total = phases.values().stream().mapToLong(Long::longValue).sum();
        ObjectNode split = Json.mapper().createObjectNode();
        phases.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> split.put(e.getKey(), round3(e.getValue() / (double) total)));
        return split;
    }

    /** The bench's own worker threads (deploys run there). */
    private static List<Thread> setupThreads() {
        Thread[] all = new Thread[Thread.activeCount() + 64];
        int n = Thread.enumerate(all);
        return Arrays.stream(all, 0, n).filter(t -> t.getName().startsWith("pool-")).toList();
    }

    /** The threads that run rollout ticks: this one, and any pool the runner ticks apps on. */
    private static List<Thread> tickThreads(Thread me) {
        Thread[] all = new Thread[Thread.activeCount() + 64];
        int n = Thread.enumerate(all);
        List<Thread> out = new ArrayList<>(List.of(me));
        for (Thread t : Arrays.copyOf(all, n)) {
            if (t != me && t.getName().startsWith("deployguard-rollout")) {
                out.add(t);
            }
        }
        return out;
    }

    private int active(ControlPlane cp) {
        int n = 0;
        for (int i = 0; i < apps; i++) {
            n += cp.store().activeRollout(app(i)).isPresent() ? 1 : 0;
        }
        return n;
    }

    /** Marks a Deployment rolled out (as its controller would): every desired replica updated, available, ready. */
    private static void rollOut(KubernetesClient client, String name) {
        Deployment d = client.apps().deployments().inNamespace(NS).withName(name).get();
        if (d == null) {
            throw new IllegalStateException("no deployment " + NS + "/" + name + " after the deploy");
        }
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withAvailableReplicas(replicas)
                .withReadyReplicas(replicas).build());
        client.resource(d).updateStatus();
    }

    /** How many apps are at each canary weight (percent), from the store. */
    private Map<String, Integer> weights(ControlPlane cp) {
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < apps; i++) {
            String w = cp.store().activeRollout(app(i)).map(Rollout::weight).map(b -> b / 100 + "%").orElse("done");
            out.merge(w, 1, Integer::sum);
        }
        return out;
    }

    private static String app(int i) {
        return String.format("app-%04d", i);
    }

    /**
     * One app as a user has it before DeployGuard's first canary: a Deployment whose pods already carry the stable
     * track label (so the canary starts without a rolling update), its revision-1 ReplicaSet, a Service selecting
     * the stable track, an Ingress.
     */
    private static void seed(KubernetesClient client, int i) {
        String n = app(i);
        Map<String, String> labels = Map.of("app", n, "deployguard.dev/track", "stable");
        Deployment d = client.resource(new DeploymentBuilder().withNewMetadata().withName(n).withNamespace(NS)
                .withLabels(Map.of("app", n)).addToAnnotations("deployment.kubernetes.io/revision", "1")
                .endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().withMatchLabels(Map.of("app", n)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("shop/" + n + ":v1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(2).withUpdatedReplicas(2).withAvailableReplicas(2).withReadyReplicas(2).build());
        d = client.resource(d).updateStatus();
        PodTemplateSpec template = client.getKubernetesSerialization().clone(d.getSpec().getTemplate());
        template.getMetadata().getLabels().put("pod-template-hash", "b1");
        client.resource(new ReplicaSetBuilder().withNewMetadata().withName(n + "-b1").withNamespace(NS)
                .withLabels(Map.of("app", n, "pod-template-hash", "b1"))
                .addToAnnotations("deployment.kubernetes.io/revision", "1")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(n).withUid(d.getMetadata().getUid()).withController(true).build())
                .endMetadata().withNewSpec().withReplicas(2).withNewSelector()
                .withMatchLabels(Map.of("app", n, "pod-template-hash", "b1")).endSelector()
                .withTemplate(template).endSpec().build()).create();
        client.resource(new ServiceBuilder().withNewMetadata().withName(n).withNamespace(NS).endMetadata()
                .withNewSpec().withSelector(labels).addNewPort().withPort(80).withTargetPort(new IntOrString(8080))
                .endPort().endSpec().build()).create();
        client.resource(new IngressBuilder().withNewMetadata().withName(n).withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().withHost(n + ".example").withNewHttp().addNewPath().withPath("/")
                .withPathType("Prefix").withNewBackend().withNewService().withName(n).withNewPort().withNumber(80)
                .endPort().endService().endBackend().endPath().endHttp().endRule().endSpec().build()).create();
    }

    /**
     * One spec with every app: 5% for 30 s, then 20% and 50%, each held by an analysis step. The analysis asks the
     * in-process web source every interval; its minDuration keeps every verdict short of PASS during the passes,
     * so all N rollouts stay active and each pass judges every app.
     */
    private String spec(Path kubeconfig) {
        StringBuilder sb = new StringBuilder("apps:\n");
        for (int i = 0; i < apps; i++) {
            String n = app(i);
            sb.append("""
                      %s:
                        platform:
                          kubernetes:
                            namespace: %s
                            kubeconfig: %s
                            service: %s
                            traffic: {ingressNginx: {ingress: %s}}
                            rolloutTimeout: 20s
                        strategy:
                          canary:
                            steps: [{setWeight: 5}, {pause: {duration: 30s}}, {setWeight: 20}, {analysis: {}},
                                    {setWeight: 50}, {analysis: {}}]
                            bake: 0s
                            analysis:
                              interval: %ds
                              minDuration: 10m
                              maxDuration: 1h
                              source:
                                web:
                                  url: "%s/%s?start={{start}}&end={{end}}"
                                  stableRequests: $.stable.requests
                                  stableErrors: $.stable.errors
                                  canaryRequests: $.canary.requests
                                  canaryErrors: $.canary.errors
                    """.formatted(n, NS, kubeconfig, n, n, INTERVAL.toSeconds(), metrics.url(), n));
        }
        return sb.toString();
    }

    private interface AppTask {
        void run(int app) throws Exception;
    }

    /** Runs {@code task} for every app on {@code threads} threads; the first failure is rethrown. */
    private void parallel(int threads, AppTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < apps; i = next.getAndIncrement()) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The analysis' web source: every app's canary as healthy as its stable (0.1% errors each). */
    private static final class MetricsServer implements AutoCloseable {
        private final HttpServer http;
        private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bench-metrics");
            t.setDaemon(true);
            return t;
        });
        private final LongAdder requests = new LongAdder();

        MetricsServer() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
            http.setExecutor(workers);
            byte[] body = """
                    {"stable": {"requests": 9000, "errors": 9}, "canary": {"requests": 1000, "errors": 1}}
                    """.getBytes(StandardCharsets.UTF_8);
            http.createContext("/", ex -> {
                requests.increment();
                try (ex) {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream os = ex.getResponseBody()) {
                        os.write(body);
                    }
                }
            });
            http.start();
        }

        String url() {
            return "http://127.0.0.1:" + http.getAddress().getPort();
        }

        long requests() {
            return requests.sum();
        }

        @Override
        public void close() {
            http.stop(0);
            workers.shutdownNow();
        }
    }
}
