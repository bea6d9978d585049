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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed requests, written byte by byte on a raw socket, are answered 400 by the router process and never reach
 * the backend, which counts every request it gets.
 */
class RouterBadRequestIT {

    @TempDir
    Path dir;

    private HttpServer backend;
    private final AtomicInteger received = new AtomicInteger();
    private RouterFixture router;

    @BeforeEach
    void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.createContext("/", exchange -> {
            received.incrementAndGet();
            try (InputStream body = exchange.getRequestBody()) {
                body.transferTo(OutputStream.nullOutputStream());
            }
            byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        backend.start();
        router = RouterFixture.start(dir, "web");
        router.client().putRoutes(RouteTable.single("web", 1, 1,
                List.of("127.0.0.1:" + backend.getAddress().getPort())));
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        backend.stop(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"oversized header", "bad chunk size", "Content-Length with Transfer-Encoding",
            "Transfer-Encoding other than chunked", "two different Content-Lengths", "space in a header name",
            "chunk longer than announced"})
    void isAnswered400AndNeverForwarded(String kind) throws Exception {
        // Once with no backend connection open, once with a warm pooled one the request could slip onto.
        for (int round = 0; round < 2; round++) {
            String answer = exchange(malformed(kind));

            assertThat(answer).startsWith("HTTP/1.1 400 ");
            assertThat(received).as("requests that reached the backend").hasValue(round);

            assertThat(exchange("GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 ").endsWith("ok\n");
            assertThat(received).as("a well-formed request does reach it").hasValue(round + 1);
        }
    }

    private static String malformed(String kind) {
        return switch (kind) {
            case "oversized header" -> "GET / HTTP/1.1\r\nHost: app\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n";
            case "bad chunk size" -> "POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nhello\r\n0\r\n\r\n";
            case "Content-Length with Transfer-Encoding" -> "POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 4\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
            case "Transfer-Encoding other than chunked" -> "POST / HTTP/1.1\r\nHost: app\r\n"
                    + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
            case "two different Content-Lengths" -> "POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 3\r\n"
                    + "Content-Length: 5\r\n\r\nabcde";
            case "space in a header name" -> "GET / HTTP/1.1\r\nHost: app\r\nBad Header: x\r\n\r\n";
            case "chunk longer than announced" -> "POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nhello\r\n0\r\n\r\n";
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Writes the bytes in one go and reads until the router closes the connection. */
    private String exchange(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(),
                Integer.parseInt(router.listen().substring(router.listen().lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // The router may reset after its answer when unread request bytes remain; the answer is in.
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
