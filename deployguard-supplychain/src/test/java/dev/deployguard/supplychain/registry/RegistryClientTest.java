package dev.deployguard.supplychain.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's protocol edges over real HTTP on 127.0.0.1: a registry that demands an anonymous bearer token (as
 * Docker Hub and GHCR do; docker-registry has no anonymous token service), answers whose bytes do not match their
 * digest, and a registry that accepts connections but never answers.
 */
class RegistryClientTest {
    static final byte[] MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
            .getBytes(StandardCharsets.UTF_8);
    HttpServer server;
    String host;
    final List<String> tokenQueries = new CopyOnWriteArrayList<>();
    final List<String> accepts = new CopyOnWriteArrayList<>();
    volatile String servedDigest = Digests.sha256(MANIFEST);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", ex -> {
            tokenQueries.add(ex.getRequestURI().getRawQuery());
            respond(ex, 200, "{\"token\":\"t0k3n\"}".getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/v2/team/web/manifests/", ex -> {
            accepts.add(ex.getRequestHeaders().getFirst("Accept"));
            if (!"Bearer t0k3n".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host + "/token\","
                        + "service=\"registry.test\",scope=\"repository:team/web:pull\"");
                respond(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            ex.getResponseHeaders().add("Docker-Content-Digest", servedDigest);
            ex.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            respond(ex, 200, MANIFEST);
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @Test
    void fetchesAnAnonymousBearerTokenWhenChallengedAndReusesIt() throws Exception {
        var client = new RegistryClient(Duration.ofSeconds(2), h -> true);
        Manifest m = client.manifest(host, "team/web", "1.0");
        client.manifest(host, "team/web", "1.0");
        assertThat(m.digest()).isEqualTo(Digests.sha256(MANIFEST));
        assertThat(m.mediaType()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        assertThat(tokenQueries).containsExactly("service=registry.test&scope=repository%3Ateam%2Fweb%3Apull");
        assertThat(accepts).allSatisfy(a -> assertThat(a).contains("application/vnd.oci.image.manifest.v1+json",
                "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.distribution.manifest.list.v2+json"));
    }

    @Test
    void refusesAManifestWhoseBytesDoNotMatchTheDigestTheRegistryClaims() {
        servedDigest = Digests.sha256("something else".getBytes(StandardCharsets.UTF_8));
        var client = new RegistryClient(Duration.ofSeconds(2), h -> true);
        assertThatThrownBy(() -> client.manifest(host, "team/web", "1.0"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID);
                    assertThat(e.getMessage()).contains("but the registry says " + servedDigest);
                });
        assertThatThrownBy(() -> client.manifest(host, "team/web", servedDigest))
                .as("fetched by digest, other bytes came back")
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.kind())
                        .isEqualTo(RegistryException.Kind.INVALID));
    }

    @Test
    void aRegistryThatNeverAnswersIsUnreachableWithinTheTimeout() throws Exception {
        try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var client = new RegistryClient(Duration.ofMillis(300), h -> true);
            // The message says the client's own 300 ms bound ended it; the outer bound only turns a hang into a failure.
            assertTimeoutPreemptively(Duration.ofMinutes(1), () -> assertThatThrownBy(
                    () -> client.ping("127.0.0.1:" + silent.getLocalPort()))
                    .isInstanceOfSatisfying(RegistryException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNREACHABLE);
                        // Connected at the kernel's accept queue; on a loaded machine the connect itself may time out.
                        assertThat(e.getMessage()).matches(".*(no answer|no connection) within 300 ms");
                    }));
        }
    }

    @Test
    void httpsUnlessThePredicateSaysPlain() {
        var client = new RegistryClient(Duration.ofSeconds(1), h -> h.startsWith("127."));
        assertThat(client.uri("127.0.0.1:5000", "/v2/").toString()).isEqualTo("http://127.0.0.1:5000/v2/");
        assertThat(client.uri("ghcr.io", "/v2/").toString()).isEqualTo("https://ghcr.io/v2/");
    }

    @Test
    void aRedirectToAnotherHostDoesNotCarryTheTokenAndOneToTheSameHostDoes() throws Exception {
        byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
        String digest = Digests.sha256(blob);
        List<String> storageAuth = new CopyOnWriteArrayList<>();
        HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage.createContext("/blob", ex -> {
            storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            respond(ex, 200, blob);
        });
        storage.start();
        List<String> sameHostAuth = new CopyOnWriteArrayList<>();
        server.createContext("/v2/team/web/blobs/", ex -> {
            if (!"Bearer t0k3n".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host + "/token\"");
                respond(ex, 401, new byte[0]);
                return;
            }
            ex.getResponseHeaders().add("Location", "/local-blob");
            respond(ex, 307, new byte[0]);
        });
        server.createContext("/local-blob", ex -> {
            sameHostAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/blob");
            respond(ex, 302, new byte[0]);
        });
        try {
            byte[] got = new RegistryClient(Duration.ofSeconds(5), h -> true).blob(host, "team/web", digest);
            assertThat(got).isEqualTo(blob);
            assertThat(sameHostAuth).containsExactly("Bearer t0k3n");
            assertThat(storageAuth).containsExactly("null");
        } finally {
            storage.stop(0);
        }
    }
}
