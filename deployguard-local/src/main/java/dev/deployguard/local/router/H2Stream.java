package dev.deployguard.local.router;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/2 stream of a user connection, seen through Netty's HTTP/2-to-HTTP/1.1 translation: its request runs one
 * {@link Exchange}, exactly as a request on an HTTP/1.1 connection does (same routes, retries, stats and limits), and
 * the stream ends with the response.
 */
final class H2Stream extends ChannelInboundHandlerAdapter implements ClientSide {
    private final TrafficServer server;
    private final boolean secure;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean inRead;
    private boolean started;

    H2Stream(TrafficServer server, boolean secure) {
        this.server = server;
        this.secure = secure;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        inRead = true;
        if (msg instanceof HttpRequest request && !started) {
            started = true;
            Exchange.Split split = Exchange.split(request);
            H2.dropExtensionHeaders(split.head().headers());
            String problem = RequestDecoder.problem(split.head());
            if (problem != null) {
                ReferenceCountUtil.release(split.rest());
                refuse(problem);
                return;
            }
            server.exchangeStarted();
            exchange = new Exchange(this, server, ctx, split.head());
            exchange.start();
            if (split.rest() != null) {
                onContent(split.rest());
            }
        } else if (msg instanceof HttpContent content && !(msg instanceof HttpRequest)) {
            onContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onContent(HttpContent content) {
        if (exchange == null) {
            content.release();
            return;
        }
        exchange.onRequestContent(content);
    }

    private void refuse(String reason) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        inRead = false;
        if (exchange != null) {
            exchange.flushToBackend();
        }
        context.flush();
    }

    @Override
    public boolean inRead() {
        return inRead;
    }

    @Override
    public boolean hasPipelined() {
        return false;
    }

    @Override
    public void updateAutoRead() {
        boolean read = exchange == null || exchange.wantsClientReads();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void exchangeDone(Exchange done, boolean keepAlive) {
        // The response's last frame ended the stream; the connection stays for the next streams.
        if (exchange == done) {
            exchange = null;
        }
    }

    @Override
    public void lingerAndClose(ChannelFuture written) {
        // Closing a stream resets it if the user still sends; the connection and its other streams go on.
        written.addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public boolean secure() {
        return secure;
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
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        context.close();
    }
}
