package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host router's admin server on Netty: what reaches the API (method, decoded path, query, token, whole body),
 * the headers of its answers, keep-alive, the 1 MiB body limit and malformed requests — over a real socket on
 * 127.0.0.1, raw HTTP/1.1 so every byte on the wire is the test's.
 */
class NettyAdminServerTest {
    private final List<AdminCall> calls = new CopyOnWriteArrayList<>();
    private MultiThreadIoEventLoopGroup loops;
    private NettyAdminServer server;

    @BeforeEach
    void start() throws Exception {
        Transport transport = Transport.nio();
        loops = transport.newGroup(1, "test-io");
        server = NettyAdminServer.bind(loops, transport, 0, call -> {
            calls.add(call);
            if (call.path().equals("/admin/boom")) {
                throw new IllegalStateException("broken");
            }
            if (!call.authorized(AdminCall.bearer("t0k"))) {
                return AdminReply.unauthorized();
            }
            return call.is("GET") ? AdminReply.json(200, List.of(call.path(), call.query()))
                    : AdminReply.notAllowed("GET");
        });
    }

    @AfterEach
    void stop() {
        server.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }

    @Test
    void carriesTheCallAndAnswersWithTheApisStatusHeadersAndBodyOnOneKeptAliveConnection() throws IOException {
        try (Socket socket = connect()) {
            String first = exchange(socket, "GET /admin/apps/web/metrics?since=42&since=7 HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer t0k\r\n\r\n");
            assertThat(first).startsWith("HTTP/1.1 200 OK").contains("content-type: application/json")
                    .contains("cache-control: no-store").endsWith("[\"/admin/apps/web/metrics\",{\"since\":\"42\"}]");
            String second = exchange(socket, "PUT /admin/x%2Fy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n"
                    + "Content-Length: 5\r\n\r\nhello");
            assertThat(second).as("the same connection, kept alive").startsWith("HTTP/1.1 405")
                    .contains("allow: GET").contains("{\"error\":\"use GET\"}");
            String third = exchange(socket, "GET /admin/health HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer no\r\n\r\n");
            assertThat(third).startsWith("HTTP/1.1 401")
                    .contains("www-authenticate: Bearer realm=\"deployguard-router\"");
        }
        assertThat(calls).hasSize(3);
        assertThat(calls.get(1).path()).as("decoded").isEqualTo("/admin/x/y");
        assertThat(new String(calls.get(1).body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(calls.get(1).method()).isEqualTo("PUT");
        assertThat(calls.get(0).body()).isEmpty();
    }

    @Test
    void aBodyOverOneMebibyteIsRefusedWithJsonAndNeverReachesTheApi() throws IOException {
        try (Socket socket = connect()) {
            String answer = exchange(socket, "PUT /admin/routes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n"
                    + "Content-Length: " + (AdminApi.MAX_BODY_BYTES + 1) + "\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 413").contains("{\"error\":\"request body larger than 1 MiB\"}");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void malformedRequestsAndFailingCallsAreClearErrorsWithoutATrace() throws IOException {
        try (Socket socket = connect()) {
            String answer = exchange(socket, "PUT /admin/health HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 400").contains("malformed HTTP request")
                    .contains("connection: close");
        }
        try (Socket socket = connect()) {
            String answer = exchange(socket, "GET /admin/boom HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 500").contains("the router failed to answer GET /admin/boom")
                    .doesNotContain("\tat ");
        }
        assertThat(calls).extracting(AdminCall::path).containsExactly("/admin/boom");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Writes a request and reads one answer: its headers, then exactly Content-Length bytes of body. */
    private static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
