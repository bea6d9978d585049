package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.traffic.RouteTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.1 through the router process as an app sees it: headers added and dropped, HEAD, streaming, pipelining. */
class RouterProtocolIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;

    private static HttpServer backend;
    private static final Map<String, Map<String, String>> seenHeaders = new ConcurrentHashMap<>();
    private static RouterFixture router;

    @BeforeAll
    static void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.createContext("/headers", exchange -> {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(" | ", values)));
            seenHeaders.put(exchange.getRequestURI().getQuery(), headers);
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Keep-Alive", "timeout=99");
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        backend.createContext("/digest", exchange -> {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException(e);
            }
            long bytes = 0;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] buffer = new byte[65536];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    sha.update(buffer, 0, n);
                    bytes += n;
                }
            }
            byte[] answer = (bytes + " " + HexFormat.of().formatHex(sha.digest()) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        backend.createContext("/stream", exchange -> {
            // Length 0: the JDK server sends the body chunked.
            exchange.sendResponseHeaders(200, "HEAD".equals(exchange.getRequestMethod()) ? -1 : 0);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < 1_000; i++) {
                        out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            }
            exchange.close();
        });
        backend.start();
        router = RouterFixture.start(dir, "web");
        router.client().putRoutes(RouteTable.single("web", 1, 1,
                List.of("127.0.0.1:" + backend.getAddress().getPort())));
    }

    @AfterAll
    static void stop() {
        if (router != null) {
            router.close();
        }
        backend.stop(0);
    }

    @Test
    void theAppSeesWhereTheRequestCameFromAndNoHopByHopHeaders() throws Exception {
        String answer = raw("GET /headers?fwd HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 203.0.113.9\r\n"
                + "Connection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nProxy-Authorization: Basic x\r\n"
                + "X-App: kept\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("keep-alive: timeout=99");
        Map<String, String> seen = seenHeaders.get("fwd");
        assertThat(seen).containsEntry("Host", "shop.example")
                .containsEntry("X-Forwarded-For", "203.0.113.9, 127.0.0.1")
                .containsEntry("X-Forwarded-Proto", "http")
                .containsEntry("X-Forwarded-Host", "shop.example")
                .containsEntry("Via", "1.1 deployguard")
                .containsEntry("X-App", "kept")
                .doesNotContainKeys("X-Secret-Hop", "Proxy-Authorization");
        assertThat(seen.get("Forwarded")).startsWith("by=127.0.0.1;for=127.0.0.1;host=shop.example;proto=http");
    }

    @Test
    void bigBodiesStreamBothWaysIntact() throws Exception {
        byte[] upload = new byte[8 * 1024 * 1024];
        new java.util.Random(7).nextBytes(upload);
        String expected = upload.length + " " + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(upload)) + "\n";

        HttpResponse<String> digest = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/digest"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> chunkedUpload = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/digest"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(upload)))
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> stream = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/stream")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(digest.statusCode()).isEqualTo(200);
        assertThat(digest.body()).isEqualTo(expected);
        assertThat(chunkedUpload.body()).isEqualTo(expected);
        assertThat(stream.body().lines()).hasSize(1_000).endsWith("line 999");
    }

    @Test
    void headAnswersHaveNoBodyAndPipelinedRequestsAreAnsweredInOrder() throws Exception {
        String answers = raw("HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /headers?p1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /headers?p2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        assertThat(answers.split("HTTP/1.1 200 ", -1)).hasSize(4);
        assertThat(answers).doesNotContain("line 0");
        assertThat(answers.indexOf("ok\n")).isPositive();
        assertThat(seenHeaders).containsKeys("p1", "p2");
    }

    private static String base() {
        return "http://" + router.listen();
    }

    private static String raw(String requests) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(),
                Integer.parseInt(router.listen().substring(router.listen().lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(answer);
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
