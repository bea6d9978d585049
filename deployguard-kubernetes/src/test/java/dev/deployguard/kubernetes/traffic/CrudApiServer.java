package dev.deployguard.kubernetes.traffic;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * Test support: fabric8's mock API server in CRUD mode on a free port of 127.0.0.1 (plain HTTP), a client without
 * retries of its own, and the requests it answered, in order.
 */
public final class CrudApiServer implements AutoCloseable {
    private final KubernetesMockServer server;
    private final List<KubernetesClient> clients = new ArrayList<>();

    public CrudApiServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public KubernetesMockServer server() {
        return server;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** A new client of this server; closed with it. */
    public KubernetesClient newClient() {
        return newClient("fabric8");
    }

    /** A new client that says {@code userAgent} in each request, so its calls can be told from the test's own. */
    public KubernetesClient newClient(String userAgent) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url())
                .withNamespace("default").withRequestRetryBackoffLimit(0).withUserAgent(userAgent).build()).build();
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** The requests answered since the last call, as "METHOD path". */
    public List<String> takeRequests() throws InterruptedException {
        return takeRequests(null);
    }

    /** Like {@link #takeRequests()}, keeping only those of clients made with {@code userAgent} (null: all). */
    public List<String> takeRequests(String userAgent) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (RecordedRequest r = server.takeRequest(20, TimeUnit.MILLISECONDS); r != null;
             r = server.takeRequest(20, TimeUnit.MILLISECONDS)) {
            if (userAgent == null || userAgent.equals(r.getHeader("User-Agent"))) {
                out.add(r.getMethod() + " " + r.getPath());
            }
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(KubernetesClient::close);
        }
        server.destroy();
    }
}
