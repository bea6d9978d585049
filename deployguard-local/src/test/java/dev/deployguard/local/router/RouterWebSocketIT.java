package dev.deployguard.local.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deployguard.traffic.RouteTable;
import dev.deployguard.traffic.Track;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket through the router process, end to end with the JDK's WebSocket client against echo backends (Netty's
 * WebSocket server, which the router does not use: the router only relays bytes after the 101). As nginx's
 * {@code proxy_pass} with {@code Upgrade}/{@code Connection: upgrade} passed on, and Envoy's {@code upgrade_configs}:
 * the backend decides, a 101 turns the connection into a tunnel that outlives route changes.
 */
class RouterWebSocketIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    private static EventLoopGroup backendLoops;
    private static EchoBackend v1;
    private static EchoBackend v2;
    private static RouterFixture router;
    private static RouterClient admin;
    private static final AtomicLong generation = new AtomicLong();

    @BeforeAll
    static void start() throws Exception {
        backendLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        v1 = new EchoBackend("v1", backendLoops);
        v2 = new EchoBackend("v2", backendLoops);
        router = RouterFixture.start(dir, "chat");
        admin = router.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        if (backendLoops != null) {
            backendLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void echoWorksAndEstablishedSocketsSurviveAWeightChangeWhileNewOnesFollowIt() throws Exception {
        long first = putWeights(Track.FULL, 0);
        Collector a = new Collector();
        WebSocket socketA = open(a);
        socketA.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(a.next()).isEqualTo("v1:hello");
        // Larger than any read: the relay moves it in many pieces, with back-pressure, in both directions.
        String big = "x".repeat(300_000);
        socketA.sendText(big, true).get(10, TimeUnit.SECONDS);
        String bigEcho = a.next();
        assertThat(bigEcho.length()).isEqualTo(big.length() + 3);
        assertThat(bigEcho.equals("v1:" + big)).as("the 300 kB echo is intact").isTrue();

        RouterMetrics before = awaitMetrics(m -> m.generation() == first
                && m.track("stable").map(t -> t.requests() == 1).orElse(false));
        assertThat(before.track("stable").orElseThrow().status().success()).isEqualTo(1);
        assertThat(before.inFlight()).containsEntry(v1.address(), 0);

        long second = putWeights(0, Track.FULL);
        socketA.sendText("still there?", true).get(10, TimeUnit.SECONDS);
        assertThat(a.next()).isEqualTo("v1:still there?");

        Collector b = new Collector();
        WebSocket socketB = open(b);
        socketB.sendText("new", true).get(10, TimeUnit.SECONDS);
        assertThat(b.next()).isEqualTo("v2:new");
        RouterMetrics after = awaitMetrics(m -> m.generation() == second
                && m.track("canary").map(t -> t.requests() == 1).orElse(false));
        assertThat(after.track("stable").orElseThrow().requests()).isZero();
        assertThat(v1.sockets.get()).isEqualTo(1);
        assertThat(v2.sockets.get()).isEqualTo(1);

        // A close handshake goes through, and the backend's side of the tunnel closes with the user's.
        socketA.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(a.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        awaitTrue(() -> v1.sockets.get() == 0, () -> "v1 still has " + v1.sockets.get() + " WebSockets open");

        // The backend dropping its connection ends the user's too.
        socketB.sendText("drop", true).get(10, TimeUnit.SECONDS);
        assertThat(b.closedOrFailed().get(10, TimeUnit.SECONDS)).isTrue();
        awaitTrue(() -> v2.sockets.get() == 0, () -> "v2 still has " + v2.sockets.get() + " WebSockets open");
    }

    @Test
    void aRefusedUpgradeIsAnOrdinaryResponseAndTheConnectionStaysHttp() throws Exception {
        putWeights(Track.FULL, 0);
        String answers = raw("GET /refuse HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                + "GET /headers HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");

        assertThat(answers).startsWith("HTTP/1.1 426 ").contains("upgrade refused\n");
        // The second request was read after the refusal as plain HTTP; the backend saw no upgrade in it.
        assertThat(answers.indexOf("HTTP/1.1 200 ")).isGreaterThan(answers.indexOf("upgrade refused"));
        assertThat(answers).contains("upgrade=null connection=null");
    }

    @Test
    void anUpgradeWithABodyIsForwardedWithoutItsUpgradeHeaders() throws Exception {
        putWeights(Track.FULL, 0);
        String answer = raw("POST /headers HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade, close\r\n"
                + "Upgrade: websocket\r\nContent-Length: 5\r\n\r\nhello");

        assertThat(answer).startsWith("HTTP/1.1 200 ").contains("upgrade=null connection=null");
    }

    @Test
    void aBackendSwitchingProtocolsUnaskedIsABadGatewayNotATunnel() throws Exception {
        putWeights(Track.FULL, 0);
        String answer = raw("GET /rogue HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 502 ").contains("switched protocols without being asked to");
        assertThat(answer).doesNotContain("101");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static long putWeights(int stableWeight, int canaryWeight) {
        long next = generation.incrementAndGet();
        admin.putRoutes(new RouteTable("chat", next, List.of(
                new Track("stable", 1, stableWeight, List.of(v1.address())),
                new Track("canary", 2, canaryWeight, List.of(v2.address())))));
        return next;
    }

    private static WebSocket open(Collector collector) throws Exception {
        return HTTP.newWebSocketBuilder().connectTimeout(WAIT)
                .buildAsync(URI.create("ws://" + router.listen() + "/ws"), collector).get(10, TimeUnit.SECONDS);
    }

    private static String raw(String requests) throws IOException {
        String listen = router.listen();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(),
                Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(answer);
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static RouterMetrics awaitMetrics(Predicate<RouterMetrics> condition) throws InterruptedException {
        RouterMetrics[] last = new RouterMetrics[1];
        awaitTrue(() -> condition.test(last[0] = admin.metrics()), () -> "metrics never matched; last: " + last[0]);
        return last[0];
    }

    private static void awaitTrue(BooleanSupplier condition, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.sleep(20);
        }
    }

    /** What a WebSocket client received: whole text messages in order, and how it closed. */
    private static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        String next() throws InterruptedException {
            String text = texts.poll(10, TimeUnit.SECONDS);
            assertThat(text).as("an echo within 10 s").isNotNull();
            return text;
        }

        /** Completes with true once the socket ended, by a close frame or by its connection breaking. */
        CompletableFuture<Boolean> closedOrFailed() {
            return closed.handle((status, error) -> true);
        }
    }

    /**
     * A backend: WebSocket echo on {@code /ws} (each message back with the backend's name in front; "drop" makes it
     * close the connection without a close frame), and plain HTTP on {@code /refuse} (426 to the upgrade),
     * {@code /headers} (which upgrade headers arrived) and {@code /rogue} (a 101 nobody asked for).
     */
    private static final class EchoBackend {
        private final String name;
        private final Channel server;
        final AtomicInteger sockets = new AtomicInteger();

        EchoBackend(String name, EventLoopGroup loops) throws InterruptedException {
            this.name = name;
            WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder().websocketPath("/ws")
                    .maxFramePayloadLength(1 << 20).build();
            server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                    new PlainHttp(), new WebSocketServerProtocolHandler(ws),
                                    new WebSocketFrameAggregator(1 << 20), new Echo());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        }

        String address() {
            return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
        }

        private final class PlainHttp extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof FullHttpRequest request) || request.uri().startsWith("/ws")) {
                    ctx.fireChannelRead(msg);
                    return;
                }
                String uri = request.uri();
                String seen = "upgrade=" + request.headers().get(HttpHeaderNames.UPGRADE)
                        + " connection=" + request.headers().get(HttpHeaderNames.CONNECTION) + "\n";
                request.release();
                FullHttpResponse response = switch (uri) {
                    case "/refuse" -> answer(HttpResponseStatus.UPGRADE_REQUIRED, "upgrade refused\n");
                    case "/rogue" -> {
                        FullHttpResponse rogue = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                HttpResponseStatus.SWITCHING_PROTOCOLS);
                        rogue.headers().set(HttpHeaderNames.UPGRADE, "websocket");
                        rogue.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
                        yield rogue;
                    }
                    default -> answer(HttpResponseStatus.OK, seen);
                };
                ctx.writeAndFlush(response);
            }

            private FullHttpResponse answer(HttpResponseStatus status, String body) {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
                return response;
            }
        }

        private final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                if (frame.text().equals("drop")) {
                    ctx.close();
                    return;
                }
                ctx.writeAndFlush(new TextWebSocketFrame(name + ":" + frame.text()));
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                    sockets.incrementAndGet();
                    ctx.channel().closeFuture().addListener(f -> sockets.decrementAndGet());
                }
                ctx.fireUserEventTriggered(event);
            }
        }
    }
}
