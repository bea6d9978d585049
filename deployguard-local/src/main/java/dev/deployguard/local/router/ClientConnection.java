package dev.deployguard.local.router;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One user connection: validates each request, runs one {@link Exchange} at a time (pipelined requests wait their
 * turn, with reading paused), keeps the connection alive between them, and refuses malformed requests with a 400
 * before anything reaches a backend.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements ClientSide {
    /** Sent to every client connection when the router stops: idle ones close, busy ones close after the answer. */
    static final Object STOPPING = new Object();
    /** How long a connection answered with a refusal keeps reading (and dropping) what the user still sends. */
    private static final long LINGER_MS = 2_000;

    private final TrafficServer server;
    private final HeadAwareEncoder encoder;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private boolean inRead;
    private boolean resuming;
    private boolean rejected;
    private boolean lingering;
    private final boolean secure;
    /** Offers h2c by {@code Upgrade}: cleartext only (over TLS, ALPN does), and once (a declined one is HTTP/1.1). */
    private boolean h2cUpgrade;
    /** An {@code Upgrade: h2c} request whose end is awaited before switching. */
    private HttpRequest pendingH2c;

    ClientConnection(TrafficServer server, HeadAwareEncoder encoder, boolean secure) {
        this.server = server;
        this.encoder = encoder;
        this.secure = secure;
        this.h2cUpgrade = !secure;
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public boolean inRead() {
        return inRead;
    }

    /** Whether requests arrived behind the current one and wait their turn. */
    @Override
    public boolean hasPipelined() {
        return !waiting.isEmpty();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        inRead = true;
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || (exchange != null && exchange.requestEnded() && msg instanceof HttpRequest)) {
            waiting.add(msg);
            updateAutoRead();
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof FullHttpRequest full) {
            // Only an h2c upgrade that did not happen comes back whole: run it as head and end.
            Exchange.Split split = Exchange.split(full);
            dispatch(split.head());
            dispatch(split.rest());
            return;
        }
        if (msg instanceof HttpRequest request) {
            String problem = RequestDecoder.problem(request);
            if (problem != null) {
                ReferenceCountUtil.release(msg);
                reject(problem);
                return;
            }
            if (h2cUpgrade && exchange == null && waiting.isEmpty() && H2.isUpgrade(request)) {
                pendingH2c = request;
                return;
            }
            server.exchangeStarted();
            exchange = new Exchange(this, server, ctx, request);
            encoder.nextIsHead(exchange.head());
            exchange.start();
        } else if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                String reason = RequestDecoder.reason(content.decoderResult().cause());
                content.release();
                if (exchange != null) {
                    rejected = true;
                    exchange.rejectBody(reason);
                } else {
                    reject(reason);
                }
                return;
            }
            if (pendingH2c != null && content instanceof LastHttpContent last) {
                HttpRequest head = pendingH2c;
                pendingH2c = null;
                upgradeToH2c(head, last);
                return;
            }
            if (exchange == null) {
                content.release();
                return;
            }
            exchange.onRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Switches this connection to HTTP/2 through Netty's upgrade handler, put in front of this handler for the one
     * request: it answers 101, replaces the HTTP/1.1 handlers with HTTP/2 ones, and the request becomes stream 1.
     * Should it decline (a malformed {@code HTTP2-Settings}), the request comes back here whole and is proxied as
     * HTTP/1.1.
     */
    private void upgradeToH2c(HttpRequest head, LastHttpContent last) {
        ChannelPipeline pipeline = ctx.pipeline();
        HttpServerUpgradeHandler upgrader = new HttpServerUpgradeHandler(
                context -> {
                    pipeline.remove(RequestDecoder.class);
                    pipeline.remove(HeadAwareEncoder.class);
                    pipeline.remove(ClientConnection.this);
                },
                protocol -> Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME.toString().contentEquals(protocol)
                        ? H2.upgradeCodec(server, false) : null);
        pipeline.addBefore(ctx.name(), "h2c-upgrade", upgrader);
        encoder.nextIsHead(false);
        h2cUpgrade = false;
        try {
            // Fed in pieces as the decoder produced them: Netty's upgrade handler aggregates them itself (and lets
            // an already whole request pass by untouched).
            ChannelHandlerContext upgraderContext = pipeline.context(upgrader);
            upgrader.channelRead(upgraderContext, head);
            upgrader.channelRead(upgraderContext, last);
        } catch (Exception e) {
            ctx.close();
        } finally {
            if (pipeline.get(HttpServerUpgradeHandler.class) != null) {
                pipeline.remove(upgrader);
            }
        }
    }

    /** Answers 400 and closes: after a framing error nothing more on this connection can be trusted. */
    private void reject(String reason) {
        rejected = true;
        ctx.channel().config().setAutoRead(false);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        encoder.nextIsHead(false);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Closes after a refusal the way nginx's lingering close does: the answer goes out, then this side's end of the
     * connection, while what the user still sends is read and dropped for a moment. Closing at once with unread
     * bytes would make the kernel reset the connection, and a reset can destroy the answer before the user reads it.
     */
    @Override
    public void lingerAndClose(ChannelFuture written) {
        rejected = true;
        lingering = true;
        ctx.channel().config().setAutoRead(true);
        written.addListener(f -> {
            if (f.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            }
            ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        inRead = false;
        if (exchange != null) {
            exchange.flushToBackend();
        }
        context.flush();
    }

    /** Called by the exchange once its response is written and its request read to the end. */
    @Override
    public void exchangeDone(Exchange done, boolean keepAlive) {
        if (exchange == done) {
            exchange = null;
        }
        if (!keepAlive || server.stopping()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            releaseWaiting();
            return;
        }
        resume();
    }

    // Runs waiting pipelined requests in order; an exchange that completes at once re-enters here, hence the guard.
    private void resume() {
        if (resuming) {
            return;
        }
        resuming = true;
        try {
            while (!waiting.isEmpty() && !rejected
                    && (exchange == null || !(exchange.requestEnded() && waiting.peek() instanceof HttpRequest))) {
                dispatch(waiting.poll());
            }
        } finally {
            resuming = false;
        }
        updateAutoRead();
    }

    @Override
    public void updateAutoRead() {
        boolean read;
        if (lingering) {
            read = true;
        } else if (rejected) {
            read = false;
        } else if (!waiting.isEmpty()) {
            read = false;
        } else {
            read = exchange == null || exchange.wantsClientReads();
        }
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (exchange != null) {
            exchange.clientWritabilityChanged();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        Exchange gone = exchange;
        exchange = null;
        if (gone != null) {
            gone.clientGone();
        }
        releaseWaiting();
    }

    private void releaseWaiting() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof IdleStateEvent || event == STOPPING) {
            // Busy connections close after their answer; one whose answer went out while the user stopped sending
            // the rest of the body closes now.
            if (exchange == null || (event instanceof IdleStateEvent && exchange.answered())) {
                context.close();
            } else if (event instanceof IdleStateEvent && !exchange.requestEnded()) {
                exchange.requestTimedOut();
            }
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // A reset by the user or a write to a closed socket: nothing to tell anyone, the connection is over.
        context.close();
    }

    /** The response encoder, told when the response it is about to write answers a HEAD (no body follows). */
    static final class HeadAwareEncoder extends HttpResponseEncoder {
        private boolean head;

        void nextIsHead(boolean isHead) {
            this.head = isHead;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            return head || super.isContentAlwaysEmpty(msg);
        }
    }
}
