package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.deployguard.local.process.Ports;
import dev.deployguard.traffic.RouteTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's limits, set as a user sets them ({@code -Ddeployguard.router.*}): a body over the limit is a 413
 * (announced: never forwarded), a request whose rest stops arriving a 408, a backend that stays silent a 504. As
 * nginx's {@code client_max_body_size}, {@code client_body_timeout} and {@code proxy_read_timeout}.
 */
class RouterLimitsIT {

    @TempDir
    static Path dir;

    private static HttpServer backend;
    private static final AtomicInteger echoed = new AtomicInteger();
    private static final CountDownLatch release = new CountDownLatch(1);
    private static RouterFixture router;

    @BeforeAll
    static void start() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.setExecutor(Executors.newCachedThreadPool());
        backend.createContext("/echo", exchange -> {
            long bytes = exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            echoed.incrementAndGet();
            byte[] answer = ("got " + bytes + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        backend.createContext("/hang", exchange -> {
            try {
                // Held until the test class ends: a backend that never answers.
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        backend.start();
        router = RouterFixture.start(dir, "web", AppListener.plain("127.0.0.1:" + Ports.freeLoopbackPort()),
                List.of("-Ddeployguard.router.maxBodyBytes=1000", "-Ddeployguard.router.clientIdleTimeoutMs=1000",
                        "-Ddeployguard.router.responseTimeoutMs=2000"));
        router.client().putRoutes(RouteTable.single("web", 1, 1,
                List.of("127.0.0.1:" + backend.getAddress().getPort())));
    }

    @AfterAll
    static void stop() {
        release.countDown();
        if (router != null) {
            router.close();
        }
        backend.stop(0);
    }

    @Test
    void aBodyUpToTheLimitIsForwardedAndAnAnnouncedLargerOneNeverIs() throws Exception {
        String fits = raw(post(1000) + "x".repeat(1000));
        int before = echoed.get();
        String tooLarge = raw(post(1001) + "x".repeat(1001));

        assertThat(fits).startsWith("HTTP/1.1 200 ").contains("got 1000");
        assertThat(tooLarge).startsWith("HTTP/1.1 413 ")
                .contains("request body of 1001 bytes is over the router's limit of 1000 bytes")
                .containsIgnoringCase("connection: close");
        assertThat(echoed.get()).isEqualTo(before);
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitIsCutOffWith413() throws Exception {
        StringBuilder chunks = new StringBuilder("POST /echo HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 6; i++) {
            chunks.append("1f4\r\n").append("y".repeat(500)).append("\r\n");
        }
        chunks.append("0\r\n\r\n");

        assertThat(raw(chunks.toString())).startsWith("HTTP/1.1 413 ")
                .contains("request body is over the router's limit of 1000 bytes");
    }

    @Test
    void aRequestWhoseBodyStopsArrivingIs408() throws Exception {
        long start = System.nanoTime();
        String answer = raw("POST /echo HTTP/1.1\r\nHost: web\r\nContent-Length: 100\r\n\r\nonly ten b");

        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("did not arrive within 1000 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void aBackendThatStaysSilentIs504EvenWhileTheUserWaitsQuietly() throws Exception {
        String answer = raw("GET /hang HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 504 ").contains("did not answer within 2000 ms");
    }

    private static String post(int length) {
        return "POST /echo HTTP/1.1\r\nHost: web\r\nConnection: close\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /** Sends the bytes as they are and reads until the router closes the connection (at most 10 s). */
    private static String raw(String request) throws IOException {
        String listen = router.listen();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(),
                Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(answer);
            } catch (java.net.SocketException reset) {
                // The router may reset a connection it closed with unread bytes in flight; what arrived counts.
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
