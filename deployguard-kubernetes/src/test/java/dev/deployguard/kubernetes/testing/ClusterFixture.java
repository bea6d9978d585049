package dev.deployguard.kubernetes.testing;

import static dev.deployguard.kubernetes.progressive.AppObjects.NS;

import dev.deployguard.kubernetes.helm.HelmRelease;
import dev.deployguard.kubernetes.helm.HelmReleaseStorage;
import dev.deployguard.kubernetes.progressive.AppObjects;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test support: the cluster the Kubernetes tests of every module start from — the mock API server with namespace
 * {@code shop}, the objects of app {@code web} a test asks for ({@link #app()}), and the simulated Deployment
 * controller. Register it with {@code @RegisterExtension}: it starts before each test and stops after it, after the
 * test's own {@code @AfterEach} (which closes what talks to it).
 */
public final class ClusterFixture implements BeforeEachCallback, AfterEachCallback {
    /** The {@code platform.kubernetes} keys of {@link #blueGreenApp()}: users reach it through Service web. */
    public static final String BLUE_GREEN = """
            service: web
            rolloutTimeout: 20s
            """;

    /** The {@code platform.kubernetes} keys of {@link #canaryApp()}: the canary weight goes on Ingress web. */
    public static final String CANARY = """
            service: web
            traffic: {ingressNginx: {ingress: web}}
            rolloutTimeout: 20s
            """;

    private MockCluster mock;
    private AppObjects app;
    private ClusterSimulator simulator;
    private AutoCloseable controller;

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stop();
    }

    /** Starts the mock API server with namespace {@code shop} (done before each test when registered). */
    public void start() {
        mock = MockCluster.start();
        mock.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata()
                .build()).create();
        app = new AppObjects(mock.client());
        simulator = new ClusterSimulator(mock.client());
    }

    /** Settles what the test created, then lets the simulated controller step every {@code everyMillis} ms. */
    public void runController(long everyMillis) {
        simulator.settle(10);
        controller = simulator.runInBackground(everyMillis);
    }

    /** Stops the controller, then the API server; again is a no-op (a test may stop the cluster to see it gone). */
    public void stop() throws Exception {
        if (controller != null) {
            controller.close();
            controller = null;
        }
        if (mock != null) {
            mock.close();
            mock = null;
        }
    }

    /**
     * App {@code web} as a blue/green test has it — Deployment and Service {@code web} — with the controller running.
     * {@link #BLUE_GREEN} and {@link #blueGreen} are the keys of its spec.
     */
    public void blueGreenApp() {
        app.deployment();
        app.service();
        runController(20);
    }

    /** App {@code web} as an nginx canary test has it: {@link #blueGreenApp()} and Ingress {@code web}. */
    public void canaryApp() {
        app.deployment();
        app.service();
        app.ingress();
        runController(20);
    }

    /** Blue/green whose promotion waits for a person, the old slot warm for {@code scaleDownDelay} after it. */
    public static String blueGreen(String scaleDownDelay) {
        return """
                strategy:
                  blueGreen:
                    autoPromote: false
                    scaleDownDelay: %s
                """.formatted(scaleDownDelay);
    }

    /** A canary through {@code steps} (YAML flow), with no bake after the last. */
    public static String canary(String steps) {
        return """
                strategy:
                  canary:
                    steps: %s
                    bake: 0s
                """.formatted(steps);
    }

    /** A Ready node: deploy runs the pre-deployment checklist, and cluster.health wants one. */
    public void readyNode() {
        client().nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata()
                .withNewStatus().withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                        .build())
                .withAllocatable(Map.of("memory", new Quantity("8Gi"))).endStatus().build()).create();
    }

    /**
     * Writes {@code spec}, a deployguard.yaml of app {@code web} in namespace {@code shop} on this cluster:
     * {@code kubernetes} holds the keys under {@code platform.kubernetes} besides namespace and kubeconfig,
     * {@code appKeys} the app's other keys (strategy, checks). The kubeconfig is a copy beside the spec: the mock
     * cluster deletes its own when it stops, and a test that stops it still wants the control plane to find it.
     */
    public Path writeSpec(Path spec, String kubernetes, String appKeys) throws IOException {
        Path kubeconfig = Files.copy(mock.kubeconfig(), spec.resolveSibling("kubeconfig"));
        Files.writeString(spec, """
                apps:
                  web:
                    platform:
                      kubernetes:
                        namespace: shop
                        kubeconfig: %s
                """.formatted(kubeconfig) + kubernetes.indent(8) + appKeys.indent(4));
        return spec;
    }

    public MockCluster mock() {
        return mock;
    }

    public KubernetesClient client() {
        return mock.client();
    }

    public AppObjects app() {
        return app;
    }

    public ClusterSimulator simulator() {
        return simulator;
    }

    /** Deployment {@code name} in namespace {@code shop}, or null. */
    public Deployment deployment(String name) {
        return app.get(name);
    }

    /** The requests the API server answered, oldest first. */
    public List<ApiCall> calls() {
        return mock.calls();
    }

    /** Forgets the request log, to see the writes of one operation. */
    public void clearCalls() {
        mock.clearCalls();
    }

    /**
     * Writes by DeployGuard since the last {@link #clearCalls()}: the simulated controller's ReplicaSet and status
     * writes left out.
     */
    public List<String> writes() {
        return mock.calls().stream().filter(c -> !c.method().equals("GET"))
                .filter(c -> !c.path().contains("/replicasets") && !c.path().endsWith("/status"))
                .map(c -> c.method() + " " + c.path()).toList();
    }

    public Map<String, String> selector(String service) {
        return app.getService(service).getSpec().getSelector();
    }

    /** The image of the first container of Deployment {@code deployment}'s template. */
    public String image(String deployment) {
        return deployment(deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    public int replicas(String deployment) {
        return deployment(deployment).getSpec().getReplicas();
    }

    public int ready(String deployment) {
        var s = deployment(deployment).getStatus();
        return s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    }

    /** The simulated controller has acted on the Deployment's latest spec (its status is not stale). */
    public boolean settled(String deployment) {
        var d = deployment(deployment);
        return d.getStatus() != null && d.getStatus().getObservedGeneration() != null
                && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration();
    }

    /** The revisions of Helm release {@code web}, as Helm's storage in the cluster holds them. */
    public List<HelmRelease> helmHistory() {
        return new HelmReleaseStorage(client(), NS, Clock.systemUTC()).history("web");
    }

    /** The canary route of app web, or null. */
    public Ingress canaryIngress() {
        return client().network().v1().ingresses().inNamespace(NS).withName("web-canary").get();
    }
}
