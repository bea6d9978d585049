package dev.deployguard.bench.kubernetes;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.progressive.AppWorkload;
import dev.deployguard.kubernetes.progressive.KubernetesCanary;
import dev.deployguard.kubernetes.traffic.NginxCanaryRoute;
import dev.deployguard.rollout.Action;
import dev.deployguard.rollout.AnalysisSpec;
import dev.deployguard.rollout.Decision;
import dev.deployguard.rollout.Observation;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.rollout.Step;
import dev.deployguard.rollout.Strategy;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.HdrHistogram.Recorder;

/**
 * {@code bench/run k8s-scale}: how many apps with a canary in progress one control plane reconciles within one
 * analysis interval against one Kubernetes API server (fabric8's mock, CRUD mode, on 127.0.0.1).
 *
 * <p>N apps (default 1,000) each have a stable Deployment, Service and Ingress and a canary (Deployment, Service,
 * canary Ingress), made by the production code. One reconcile pass per app: read the canary Deployment (is it
 * ready?) and the canary Ingress (the weight the cluster holds), let the rollout engine decide, and write the
 * weight where a pause has run out (half of the apps). Passes are timed at several client concurrencies; the mock's
 * own throughput (plain GETs) is measured beside them so a slow pass can be told apart from a slow server, and the
 * passes are repeated against a server answering from a hash map, which leaves DeployGuard's own cost.
 * Prints one JSON document; options: {@code --apps N}, {@code --threads 1,8,32}, {@code --quick} (200 apps).
 */
public final class ScaleBench {
    private static final String NS = "bench";
    private static final Duration PAUSE = Duration.ofSeconds(30);
    private static final Duration TARGET = Duration.ofSeconds(10);
    /** Held so the level sticks (JUL keeps loggers weakly): the mock logs every request at INFO otherwise. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    private final KubernetesClient client;
    private final KubernetesMockServer server;
    private final int apps;

    private ScaleBench(KubernetesMockServer server, KubernetesClient client, int apps) {
        this.server = server;
        this.client = client;
        this.apps = apps;
    }

    public static void main(String[] args) throws Exception {
        int apps = 1_000;
        List<Integer> threads = List.of(1, 8, 32);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--apps" -> apps = Integer.parseInt(args[++i]);
                case "--threads" -> threads = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt)
                        .toList();
                case "--quick" -> apps = 200;
                case "--json" -> { }
                default -> {
                    System.err.println("usage: bench/run k8s-scale [--apps N] [--threads 1,8,32] [--quick] [--json]");
                    System.exit(2);
                }
            }
        }
        MOCK_LOG.setLevel(Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        KubernetesClient client = clientOf(server, threads);
        try {
            new ScaleBench(server, client, apps).run(threads);
        } finally {
            client.close();
            server.destroy();
        }
    }

    private void run(List<Integer> threadCounts) throws Exception {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("benchmark", "k8s-scale");
        out.put("apps", apps);
        out.put("target_seconds", TARGET.toSeconds());
        out.put("api_server", "fabric8 KubernetesMockServer 8.0.0, CRUD mode, 127.0.0.1, same JVM");
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("load_average_1m_at_start", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        long setupStart = System.nanoTime();
        // Few setup threads: the CRUD mock serializes its work, more threads only queue up behind it.
        int setupThreads = 4;
        int before = server.getRequestCount();
        parallel(setupThreads, this::createApp);
        out.put("setup_seconds", seconds(System.nanoTime() - setupStart));
        out.put("setup_api_calls", server.getRequestCount() - before);
        System.err.println("k8s-scale: " + apps + " apps with a canary in " + out.get("setup_seconds") + " s");

        ArrayNode raw = out.putArray("mock_plain_get");
        ArrayNode passes = out.putArray("reconcile_pass");
        int round = 0;
        for (int threads : threadCounts) {
            ObjectNode plain = plainGets(threads);
            ObjectNode pass = pass(threads, ++round);
            // The pass is bound by the API server when it gets nearly the calls/s that plain GETs get.
            pass.put("api_server_bound", pass.get("calls_per_second").asDouble()
                    >= 0.7 * plain.get("calls_per_second").asDouble());
            raw.add(plain);
            passes.add(pass);
            System.err.println("k8s-scale: " + threads + " threads: " + pass);
        }
        ArrayNode fast = out.putArray("reconcile_pass_fast_server");
        fastServerPasses(threadCounts, fast);
        System.out.println(Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    }

    /**
     * The same passes against a server that answers from a hash map (the mock without CRUD: canned answers per
     * path, copied from the CRUD server's objects), so what remains is DeployGuard's side: client, HTTP,
     * serialization and decisions. The CRUD mock scans every stored object on each request.
     */
    private void fastServerPasses(List<Integer> threadCounts, ArrayNode into) throws Exception {
        KubernetesMockServer fast = new KubernetesMockServer(false);
        fast.init(InetAddress.getByName("127.0.0.1"), 0);
        KubernetesClient fastClient = clientOf(fast, threadCounts);
        try {
            for (int i = 0; i < apps; i++) {
                String base = "/apis/apps/v1/namespaces/" + NS + "/deployments/" + name(i) + "-canary";
                fast.expect().get().withPath(base)
                        .andReturn(200, client.apps().deployments().inNamespace(NS).withName(name(i) + "-canary").get())
                        .always();
                var ingress = client.network().v1().ingresses().inNamespace(NS).withName(name(i) + "-canary").get();
                ingress.getMetadata().getAnnotations().put(NginxCanaryRoute.WEIGHT, "100");
                String path = "/apis/networking.k8s.io/v1/namespaces/" + NS + "/ingresses/" + name(i) + "-canary";
                fast.expect().get().withPath(path).andReturn(200, ingress).always();
                fast.expect().put().withPath(path).andReturn(200, ingress).always();
            }
            ScaleBench onFast = new ScaleBench(fast, fastClient, apps);
            for (int threads : threadCounts) {
                ObjectNode pass = onFast.pass(threads, 1);
                into.add(pass);
                System.err.println("k8s-scale: fast server, " + threads + " threads: " + pass);
            }
        } finally {
            fastClient.close();
            fast.destroy();
        }
    }

    private static KubernetesClient clientOf(KubernetesMockServer server, List<Integer> threadCounts) {
        int maxThreads = threadCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getPort()).withNamespace(NS)
                .withRequestRetryBackoffLimit(0).withRequestTimeout(120_000)
                .withMaxConcurrentRequests(Math.max(64, maxThreads * 2))
                .withMaxConcurrentRequestsPerHost(Math.max(64, maxThreads * 2)).build()).build();
    }

    private static String name(int i) {
        return String.format("app-%04d", i);
    }

    /** A user's app (stable pods already labelled and selected by track) plus its canary, made by production code. */
    private void createApp(int i) {
        String n = name(i);
        Map<String, String> labels = Map.of("app", n, "deployguard.dev/track", "stable");
        client.resource(new DeploymentBuilder().withNewMetadata().withName(n).withNamespace(NS).endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().withMatchLabels(Map.of("app", n)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("shop/" + n + ":v1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        Deployment d = client.apps().deployments().inNamespace(NS).withName(n).get();
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(3).withUpdatedReplicas(3).withAvailableReplicas(3).withReadyReplicas(3).build());
        client.resource(d).updateStatus();
        client.resource(new ServiceBuilder().withNewMetadata().withName(n).withNamespace(NS).endMetadata()
                .withNewSpec().withSelector(labels).addNewPort().withPort(80).withTargetPort(new IntOrString(8080))
                .endPort().endSpec().build()).create();
        client.resource(new IngressBuilder().withNewMetadata().withName(n).withNamespace(NS).endMetadata()
                .withNewSpec().addNewRule().withHost(n + ".example").withNewHttp().addNewPath().withPath("/")
                .withPathType("Prefix").withNewBackend().withNewService().withName(n).withNewPort().withNumber(80)
                .endPort().endService().endBackend().endPath().endHttp().endRule().endSpec().build()).create();
        KubernetesCanary canary = new KubernetesCanary(client, new AppWorkload(NS, n, n), route(i), 1);
        if (canary.start(null, "shop/" + n + ":v2", "v2") != KubernetesCanary.Progress.DONE) {
            throw new IllegalStateException("canary of " + n + " did not start");
        }
    }

    private NginxCanaryRoute route(int i) {
        return new NginxCanaryRoute(client, NS, name(i), name(i));
    }

    /**
     * One reconcile pass at {@code threads} concurrency. Round r's rollouts go from (2r-1)% to 2r%: first every
     * app is put at its first weight (not timed), then at "now" the even apps' pauses have run out (write due) and
     * the odd apps' have not (read only).
     */
    private ObjectNode pass(int threads, int round) throws Exception {
        RolloutEngine engine = new RolloutEngine();
        Strategy strategy = new Strategy.Canary(List.of(new Step.SetWeight(100 * (2 * round - 1)),
                new Step.Pause(PAUSE), new Step.SetWeight(100 * 2 * round), new Step.Pause(PAUSE)),
                AnalysisSpec.defaults(), Duration.ZERO, List.of());
        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        Rollout[] rollouts = new Rollout[apps];
        parallel(threads, i -> {
            Instant started = now.minus(i % 2 == 0 ? PAUSE.plusSeconds(1) : Duration.ofSeconds(10));
            Decision first = engine.reconcile(Rollout.start(i, name(i), "canary", 1, 2, started), strategy,
                    Observation.NONE, started);
            apply(first, i);
            rollouts[i] = first.next();
        });
        Recorder reads = new Recorder(3);
        Recorder writes = new Recorder(3);
        AtomicInteger changed = new AtomicInteger();
        int callsBefore = server.getRequestCount();
        long start = System.nanoTime();
        parallel(threads, i -> {
            long t = System.nanoTime();
            Deployment canary = client.apps().deployments().inNamespace(NS).withName(name(i) + "-canary").get();
            reads.recordValue((System.nanoTime() - t) / 1_000);
            t = System.nanoTime();
            int held = route(i).weight().orElseThrow();
            reads.recordValue((System.nanoTime() - t) / 1_000);
            if (canary == null || held != rollouts[i].weight()) {
                throw new IllegalStateException(name(i) + ": cluster holds weight " + held + ", store says "
                        + rollouts[i].weight());
            }
            Decision d = engine.reconcile(rollouts[i], strategy, Observation.NONE, now);
            t = System.nanoTime();
            if (apply(d, i)) {
                writes.recordValue((System.nanoTime() - t) / 1_000);
                changed.incrementAndGet();
            }
        });
        long elapsed = System.nanoTime() - start;
        int calls = server.getRequestCount() - callsBefore;
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("threads", threads);
        o.put("seconds", seconds(elapsed));
        o.put("api_calls", calls);
        o.put("weight_changes", changed.get());
        o.put("calls_per_second", Math.round(calls / (elapsed / 1e9)));
        o.put("apps_per_second", Math.round(apps / (elapsed / 1e9)));
        o.put("within_target", elapsed <= TARGET.toNanos());
        latency(o.putObject("read_ms"), reads);
        latency(o.putObject("weight_change_ms"), writes);
        return o;
    }

    /** Carries out the engine's weight change, if any; true when it asked for one. */
    private boolean apply(Decision d, int i) {
        boolean any = false;
        for (Action a : d.actions()) {
            if (a instanceof Action.SetWeight w) {
                route(i).setWeight(w.basisPoints());
                any = true;
            }
        }
        return any;
    }

    /** The mock's throughput alone: GETs of stable Deployments, no decisions, same concurrency. */
    private ObjectNode plainGets(int threads) throws Exception {
        Recorder r = new Recorder(3);
        long start = System.nanoTime();
        parallel(threads, i -> {
            long t = System.nanoTime();
            client.apps().deployments().inNamespace(NS).withName(name(i)).get();
            r.recordValue((System.nanoTime() - t) / 1_000);
        });
        long elapsed = System.nanoTime() - start;
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("threads", threads);
        o.put("gets", apps);
        o.put("seconds", seconds(elapsed));
        o.put("calls_per_second", Math.round(apps / (elapsed / 1e9)));
        latency(o.putObject("get_ms"), r);
        return o;
    }

    private static void latency(ObjectNode o, Recorder r) {
        var h = r.getIntervalHistogram();
        o.put("count", h.getTotalCount());
        o.put("p50", h.getValueAtPercentile(50) / 1000.0);
        o.put("p90", h.getValueAtPercentile(90) / 1000.0);
        o.put("p99", h.getValueAtPercentile(99) / 1000.0);
        o.put("max", h.getMaxValue() / 1000.0);
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
}
