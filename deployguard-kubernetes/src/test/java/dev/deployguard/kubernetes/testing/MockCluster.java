package dev.deployguard.kubernetes.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Test support: a Kubernetes API server on 127.0.0.1 that real kubectl 1.32 and helm 3.17 accept, made of fabric8's
 * {@link KubernetesMockServer} in CRUD mode behind {@link OracleDispatcher}. Gives a fabric8 client, a kubeconfig
 * file for the binaries, the log of requests (to count API calls) and fault injection (403, 409, ...).
 * It runs no controllers: pair it with {@link ClusterSimulator} when ReplicaSets and status matter.
 */
public final class MockCluster implements AutoCloseable {
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

    static {
        MOCK_LOG.setLevel(Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final OracleDispatcher dispatcher;
    private final KubernetesClient client;
    private final Path dir;
    private final Path kubeconfig;
    private final String url;

    private MockCluster(KubernetesMockServer server, OracleDispatcher dispatcher, Path dir) throws IOException {
        this.server = server;
        this.dispatcher = dispatcher;
        this.dir = dir;
        this.url = "http://127.0.0.1:" + server.getPort();
        this.kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, kubeconfigText(url, "default"));
        Files.createDirectories(dir.resolve("home"));
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url)
                .withNamespace("default").withOauthToken("mock-token").withRequestRetryBackoffLimit(0).build())
                .build();
    }

    /** Starts a fresh, empty cluster on a free port of 127.0.0.1. */
    public static MockCluster start() {
        try {
            Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
            ObjectMapper json = new ObjectMapper();
            OracleDispatcher dispatcher = new OracleDispatcher(new KubernetesMixedDispatcher(responses), json);
            KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                    dispatcher, false);
            server.setVersionInfo(json.readValue(ApiDiscovery.versionJson(), VersionInfo.class));
            server.init(InetAddress.getByName("127.0.0.1"), 0);
            dispatcher.discovery(new ApiDiscovery(json, server.getPort()));
            return new MockCluster(server, dispatcher, Files.createTempDirectory("mock-cluster"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig with one context, {@code mock}, pointing at {@code url}. */
    public static String kubeconfigText(String url, String namespace) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                contexts:
                - name: mock
                  context: {cluster: mock, user: mock, namespace: %s}
                current-context: mock
                users:
                - name: mock
                  user: {token: mock-token}
                """.formatted(url, namespace);
    }

    public KubernetesClient client() {
        return client;
    }

    /** The kubeconfig file (context {@code mock}) for kubectl, helm and DeployGuard's own client factory. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** A private HOME for the binaries (kubectl caches discovery there). */
    public Path home() {
        return dir.resolve("home");
    }

    public String url() {
        return url;
    }

    /** Every request served so far, in order. */
    public List<ApiCall> calls() {
        return List.copyOf(dispatcher.calls());
    }

    /** Forgets the request log (to count the calls of one operation). */
    public void clearCalls() {
        dispatcher.calls().clear();
    }

    /** The next {@code times} requests of {@code method} under {@code pathPrefix} answer {@code status}/{@code reason}. */
    public void fail(String method, String pathPrefix, int status, String reason, int times) {
        dispatcher.inject(new OracleDispatcher.Fault(method, pathPrefix, status, reason, new int[] {times}));
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
