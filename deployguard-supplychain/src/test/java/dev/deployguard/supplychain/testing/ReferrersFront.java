package dev.deployguard.supplychain.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test support: the OCI referrers API ({@code GET /v2/<path>/referrers/<digest>}), which Debian's docker-registry
 * 2.8 does not have, served on 127.0.0.1 in front of a real registry: referrers answers come from what the test
 * registers; every other request is passed to the registry unchanged.
 */
public final class ReferrersFront implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String backend;
    private final Map<String, String> indexes = new ConcurrentHashMap<>();

    public ReferrersFront(String backend) throws IOException {
        this.backend = backend;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Makes {@code GET /v2/<path>/referrers/<digest>} answer this index. */
    public void referrers(String path, String digest, String index) {
        indexes.put("/v2/" + path + "/referrers/" + digest, index);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String index = indexes.get(ex.getRequestURI().getPath());
            if (index != null) {
                byte[] body = index.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/vnd.oci.image.index.v1+json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            var req = HttpRequest.newBuilder(URI.create("http://" + backend + ex.getRequestURI()));
            String accept = ex.getRequestHeaders().getFirst("Accept");
            if (accept != null) {
                req.header("Accept", accept);
            }
            HttpResponse<byte[]> r = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
            r.headers().firstValue("Docker-Content-Digest")
                    .ifPresent(v -> ex.getResponseHeaders().set("Docker-Content-Digest", v));
            ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            ex.getResponseBody().write(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
