package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adding an app may take a cold router seconds (ports, the first TLS context); route calls must stay short. An admin
 * server that answers nothing until the test lets it shows which call waits for which bound.
 */
class RouterClientTimeoutTest {
    private HttpServer server;
    private final CountDownLatch answer = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try {
                answer.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"listen\":\"127.0.0.1:18080\",\"tlsListen\":null,\"tlsCert\":null,\"tlsKey\":null,\"accessLog\":null}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        answer.countDown();
        server.stop(0);
    }

    @Test
    void aRouteCallGivesUpAtTheRequestTimeoutButAddingAnAppWaitsLonger() throws Exception {
        RouterClient client = new RouterClient(server.getAddress().getPort(), "t", Duration.ofMillis(200));
        assertThatThrownBy(client::routes).isInstanceOf(RouterUnreachableException.class);

        var added = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.putApp("web",
                new AppListener("127.0.0.1:18080", null, null, null, null)));
        // The route call above timed out after 200 ms of the same silence; the add is still waiting. Wait longer
        // than that bound, on the pending add itself, then let the router answer.
        assertThatThrownBy(() -> added.get(1, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        answer.countDown();
        assertThat(added.get(RouterClient.ADD_APP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).listen())
                .isEqualTo("127.0.0.1:18080");
    }
}
