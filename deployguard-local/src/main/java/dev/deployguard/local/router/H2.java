package dev.deployguard.local.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;

/**
 * HTTP/2 from users, on the same data path as HTTP/1.1: each stream becomes an {@link H2Stream} that runs one
 * {@link Exchange} to an HTTP/1.1 backend. A cleartext connection turns into HTTP/2 by prior knowledge (its first
 * bytes are the connection preface, {@link Preface}) or by an HTTP/1.1 {@code Upgrade: h2c} request (RFC 7540 3.2,
 * answered on stream 1); a TLS connection by ALPN.
 */
final class H2 {
    /** Headers Netty's HTTP/2 to HTTP/1.1 translation adds for itself; never forwarded to the app. */
    private static final String EXTENSION_PREFIX = "x-http2-";

    private H2() {
    }

    /** Adds the HTTP/2 handlers at the end of a connection's pipeline (prior knowledge, ALPN). */
    static void configure(ChannelPipeline pipeline, TrafficServer server, boolean secure) {
        Http2FrameCodec codec = frameCodec();
        pipeline.addLast(codec, multiplex(server, secure), new Connection(codec));
    }

    /** What answers an {@code Upgrade: h2c} request: the same handlers, added by Netty's upgrade handler. */
    static Http2ServerUpgradeCodec upgradeCodec(TrafficServer server, boolean secure) {
        Http2FrameCodec codec = frameCodec();
        return new Http2ServerUpgradeCodec(codec, multiplex(server, secure), new Connection(codec));
    }

    /**
     * Whether a request asks to switch to h2c as RFC 7540 3.2 describes it: HTTP/1.1, {@code Upgrade} naming
     * {@code h2c}, one {@code HTTP2-Settings} header named in {@code Connection}, and no body (so the switch cannot
     * land inside one).
     */
    static boolean isUpgrade(HttpRequest request) {
        HttpHeaders headers = request.headers();
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1) || !headers.contains(HttpHeaderNames.UPGRADE)
                || headers.getAll(Http2CodecUtil.HTTP_UPGRADE_SETTINGS_HEADER).size() != 1
                || HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0L) {
            return false;
        }
        boolean h2c = false;
        for (String token : headers.get(HttpHeaderNames.UPGRADE).split(",")) {
            h2c |= token.trim().equalsIgnoreCase(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME.toString());
        }
        boolean upgradeNamed = false;
        boolean settingsNamed = false;
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                upgradeNamed |= token.trim().equalsIgnoreCase("upgrade");
                settingsNamed |= token.trim().equalsIgnoreCase(Http2CodecUtil.HTTP_UPGRADE_SETTINGS_HEADER.toString());
            }
        }
        return h2c && upgradeNamed && settingsNamed;
    }

    /** Removes the headers Netty's translation from HTTP/2 added ({@code x-http2-stream-id}, ...). */
    static void dropExtensionHeaders(HttpHeaders headers) {
        List<String> names = headers.names().stream()
                .filter(n -> n.regionMatches(true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())).toList();
        for (String name : names) {
            headers.remove(name);
        }
    }

    private static Http2FrameCodec frameCodec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(256)
                        .maxHeaderListSize(RequestDecoder.MAX_HEADER_BYTES))
                .gracefulShutdownTimeoutMillis(HostedApp.STOP_GRACE_MS)
                .validateHeaders(true)
                .build();
    }

    private static ChannelHandler multiplex(TrafficServer server, boolean secure) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true),
                        new H2Stream(server, secure));
            }
        });
    }

    /**
     * The end of an HTTP/2 connection's pipeline: an idle connection (no stream open) closes on the client idle
     * timeout, and a stopping router sends GOAWAY and lets open streams finish.
     */
    private static final class Connection extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        Connection(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == ClientConnection.STOPPING
                    || (event instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0)) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * The first handler of a cleartext connection: if its first bytes are the HTTP/2 connection preface
     * ({@code PRI * HTTP/2.0...}), the HTTP/1.1 handlers make way for HTTP/2; at the first byte that differs it
     * removes itself and HTTP/1.1 goes on. Netty's {@code CleartextHttp2ServerUpgradeHandler} does the same for
     * its own HTTP/1.1 codec.
     */
    static final class Preface extends ByteToMessageDecoder {
        private final TrafficServer server;
        private final List<Class<? extends ChannelHandler>> http1;

        Preface(TrafficServer server, List<Class<? extends ChannelHandler>> http1) {
            this.server = server;
            this.http1 = http1;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            try {
                int length = Math.min(in.readableBytes(), preface.readableBytes());
                if (!ByteBufUtil.equals(in, in.readerIndex(), preface, 0, length)) {
                    ctx.pipeline().remove(this);
                } else if (length == preface.readableBytes()) {
                    ChannelPipeline pipeline = ctx.pipeline();
                    for (Class<? extends ChannelHandler> type : http1) {
                        pipeline.remove(type);
                    }
                    configure(pipeline, server, false);
                    pipeline.remove(this);
                }
            } finally {
                preface.release();
            }
        }
    }
}
