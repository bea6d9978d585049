package dev.deployguard.local.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The host router's admin API on Netty's HTTP/1.1 codec, accepted and read on the router's own event loops, so the
 * router loads no second HTTP server (Jetty's classes, selector and thread pool cost it about 10 MB resident and a
 * thread hand-off or two per call). Calls are answered on one admin thread of their own: binding a listener,
 * loading certificates and the fsync of a route table block, and must never stall an event loop's user traffic.
 * Keep-alive both ways, bodies at most 1 MiB ({@code 413} beyond), idle connections closed after 30 s.
 */
final class NettyAdminServer implements AutoCloseable {
    private static final int IDLE_SECONDS = 30;

    private final EventExecutorGroup callThread;
    private final Channel channel;

    private NettyAdminServer(EventExecutorGroup callThread, Channel channel) {
        this.callThread = callThread;
        this.channel = channel;
    }

    /**
     * Binds 127.0.0.1:{@code port} (0 for any) on {@code loops}; the API is served once {@code api} is set.
     *
     * @throws Exception the bind's failure (see {@link HostedApp#causedByBind})
     */
    static NettyAdminServer bind(EventLoopGroup loops, Transport transport, int port,
                                 Function<AdminCall, AdminReply> api) throws Exception {
        EventExecutorGroup callThread = new DefaultEventExecutorGroup(1,
                new io.netty.util.concurrent.DefaultThreadFactory("router-admin", true));
        try {
            Channel channel = new ServerBootstrap()
                    .group(loops)
                    .channel(transport.serverChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        @SuppressWarnings("deprecation") // Netty 4.2 deprecates handlers on an executor group; until
                        // the calls are handed to the admin thread by hand, this keeps them off the event loops
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new Aggregator());
                            ch.pipeline().addLast(callThread, new Calls(api));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            return new NettyAdminServer(callThread, channel);
        } catch (Exception e) {
            callThread.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops accepting; calls under way finish on the admin thread, for at most a second. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1_000);
        callThread.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2_000);
    }

    static FullHttpResponse response(AdminReply reply) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        if (reply.allow() != null) {
            response.headers().set(HttpHeaderNames.ALLOW, reply.allow());
        }
        if (reply.challenge()) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, AdminReply.CHALLENGE);
        }
        return response;
    }

    /** Whole bodies up to 1 MiB; a larger one is refused with the API's JSON error, and the connection closed. */
    private static final class Aggregator extends HttpObjectAggregator {
        Aggregator() {
            super(AdminApi.MAX_BODY_BYTES);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = response(AdminReply.error(413, "request body larger than 1 MiB"));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static final class Calls extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Function<AdminCall, AdminReply> api;

        Calls(Function<AdminCall, AdminReply> api) {
            this.api = api;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            AdminReply reply;
            if (request.decoderResult().isFailure()) {
                reply = AdminReply.error(400, "malformed HTTP request: " + request.decoderResult().cause()
                        .getMessage());
                keepAlive = false;
            } else {
                reply = answer(request);
            }
            FullHttpResponse response = response(reply);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(response);
            }
        }

        private AdminReply answer(FullHttpRequest request) {
            QueryStringDecoder uri;
            String path;
            try {
                uri = new QueryStringDecoder(request.uri());
                path = uri.path();
            } catch (IllegalArgumentException e) {
                return AdminReply.error(400, "malformed request target: " + e.getMessage());
            }
            Map<String, String> query = new HashMap<>();
            for (Map.Entry<String, List<String>> parameter : uri.parameters().entrySet()) {
                if (!parameter.getValue().isEmpty()) {
                    query.put(parameter.getKey(), parameter.getValue().get(0));
                }
            }
            try {
                return api.apply(new AdminCall(request.method().name(), path, query,
                        request.headers().get(HttpHeaderNames.AUTHORIZATION),
                        ByteBufUtil.getBytes(request.content())));
            } catch (RuntimeException e) {
                return AdminReply.error(500, "the router failed to answer " + request.method() + " " + path + ": "
                        + e);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, event);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset connection or a call that failed unexpectedly: drop the connection, never print a trace.
            ctx.close();
        }
    }
}
