package dev.deployguard.bench.kubernetes;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deployguard.json.Json;
import dev.deployguard.kubernetes.deployment.DeploymentRollback;
import dev.deployguard.kubernetes.deployment.DeploymentUpdate;
import dev.deployguard.kubernetes.deployment.RolloutStatus;
import dev.deployguard.kubernetes.deployment.RolloutWaiter;
import dev.deployguard.kubernetes.testing.ClusterSimulator;
import dev.deployguard.kubernetes.testing.MockCluster;
import dev.deployguard.kubernetes.testing.Tools;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bench/run k8s-rollback [--rounds N] [--quick]}: API calls and wall time of one Deployment rollback against
 * the mock API server (fabric8 CRUD mock behind the oracle dispatcher), by DeployGuard and, for comparison, by real
 * {@code kubectl rollout undo} when the binary is there. The rollout wait is measured apart, with the simulated
 * controller stepping between polls. Prints one JSON document.
 */
public final class RollbackBench {
    private static final String NS = "bench";
    private static final String NAME = "web";

    private RollbackBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 50;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> rounds = 10;
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> { } // the output is always JSON
                default -> {
                    System.err.println("usage: bench/run k8s-rollback [--rounds N] [--quick]");
                    System.exit(2);
                }
            }
        }
        try (MockCluster cluster = MockCluster.start()) {
            ClusterSimulator simulator = new ClusterSimulator(cluster.client());
            seed(cluster, simulator);
            DeploymentRollback rollback = new DeploymentRollback(cluster.client());
            RolloutWaiter waiter = new RolloutWaiter(cluster.client(), Clock.systemUTC(), d -> simulator.step(),
                    Duration.ZERO);
            List<Double> rollbackMillis = new ArrayList<>();
            List<Double> withWaitMillis = new ArrayList<>();
            Map<String, Integer> calls = new TreeMap<>();
            int callsTotal = 0;
            int waitCalls = 0;
            for (int round = 0; round < rounds + 3; round++) {
                cluster.clearCalls();
                long t0 = System.nanoTime();
                rollback.rollback(NS, NAME, null, "bench", "benchmark round " + round);
                long t1 = System.nanoTime();
                var ours = cluster.calls();
                RolloutStatus s = waiter.await(NS, NAME, Duration.ofMinutes(1), line -> { });
                long t2 = System.nanoTime();
                if (s.state() != RolloutStatus.State.COMPLETE) {
                    throw new IllegalStateException("rollout did not complete: " + s.message());
                }
                if (round < 3) {
                    continue; // warm-up: class loading and JIT
                }
                rollbackMillis.add((t1 - t0) / 1e6);
                withWaitMillis.add((t2 - t0) / 1e6);
                callsTotal = ours.size();
                calls.clear();
                ours.forEach(c -> calls.merge(c.method() + " " + shape(c.path()), 1, Integer::sum));
                waitCalls = cluster.calls().size() - ours.size();
            }
            ObjectNode out = Json.mapper().createObjectNode();
            out.put("benchmark", "k8s-rollback");
            out.put("rounds", rounds);
            ObjectNode dg = out.putObject("deployguard");
            dg.put("apiCalls", callsTotal);
            dg.putPOJO("apiCallsByKind", calls);
            percentiles(dg.putObject("rollbackMillis"), rollbackMillis);
            percentiles(dg.putObject("rollbackAndWaitMillis"), withWaitMillis);
            dg.put("apiCallsDuringWaitIncludingSimulatedController", waitCalls);
            if (Tools.available()) {
                kubectl(out.putObject("kubectlRolloutUndo"), cluster, simulator, Math.min(rounds, 10));
            } else {
                out.put("kubectlRolloutUndo", "skipped: kubectl not available (scripts/k8s-tools.sh)");
            }
            System.out.println(Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(out));
        }
    }

    private static void kubectl(ObjectNode out, MockCluster cluster, ClusterSimulator simulator, int rounds) {
        List<Double> millis = new ArrayList<>();
        int calls = 0;
        for (int i = 0; i < rounds; i++) {
            cluster.clearCalls();
            long t0 = System.nanoTime();
            Tools.kubectl(cluster, "-n", NS, "rollout", "undo", "deployment/" + NAME).orFail();
            millis.add((System.nanoTime() - t0) / 1e6);
            calls = cluster.calls().size();
            simulator.settle(20);
        }
        out.put("apiCalls", calls);
        out.put("note", "includes kubectl's discovery requests; process start included in the time");
        percentiles(out.putObject("wallMillis"), millis);
    }

    private static void seed(MockCluster cluster, ClusterSimulator simulator) {
        var client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName(NAME).withNamespace(NS).addToAnnotations("kubernetes.io/change-cause", "v1").endMetadata()
                .withNewSpec().withReplicas(3).withNewSelector().addToMatchLabels("app", NAME).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", NAME).endMetadata().withNewSpec()
                .addNewContainer().withName(NAME).withImage("nginx:1.1").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        simulator.settle(10);
        DeploymentUpdate update = new DeploymentUpdate(client);
        for (int v = 2; v <= 5; v++) {
            update.setImage(NS, NAME, null, "nginx:1." + v, "v" + v, "bench");
            simulator.settle(10);
        }
    }

    /** The request path without names and query values, e.g. {@code /apis/apps/v1/namespaces/*\/replicasets}. */
    private static String shape(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return p.replace("/namespaces/" + NS, "/namespaces/{ns}").replace("/deployments/" + NAME,
                "/deployments/{name}");
    }

    private static void percentiles(ObjectNode out, List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        out.put("p50", round(at(sorted, 0.50)));
        out.put("p90", round(at(sorted, 0.90)));
        out.put("max", round(sorted.get(sorted.size() - 1)));
        out.put("n", sorted.size());
    }

    private static double at(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
