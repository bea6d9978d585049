package dev.deployguard.local.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

/**
 * A user connection and a backend connection after the backend answered {@code 101 Switching Protocols} (WebSocket
 * or another {@code Upgrade}): the HTTP codecs leave both pipelines and bytes are relayed as they are, both ways, on
 * the one event loop the two connections share, with back-pressure (a side whose peer cannot take more stops
 * reading). Either side closing closes the other; so does a tunnel quiet both ways for the tunnel idle timeout.
 * The route table is not consulted again: a weight change leaves established tunnels alone.
 */
final class Tunnel {
    private static final String IDLE = "tunnel-idle";

    private Tunnel() {
    }

    /**
     * Turns both connections into a relay. Called on their event loop from the backend connection's read of the
     * 101, after the 101 was written to the user.
     */
    static void open(Channel client, Channel backend, long idleTimeoutMs) {
        // Backend first: its request encoder must pass raw bytes before anything from the user reaches it. The
        // response decoder is in its UPGRADED state (it hands on raw bytes) and leaves once this read is over, as
        // Netty's own upgrade handlers do, so no byte it holds is lost.
        ChannelPipeline backendPipeline = backend.pipeline();
        HttpClientCodec codec = backendPipeline.get(HttpClientCodec.class);
        codec.prepareUpgradeFrom(backendPipeline.context(codec));
        removeIfPresent(backendPipeline, IdleStateHandler.class);
        backendPipeline.replace(BackendConnection.class, "tunnel", new End(client));
        backend.eventLoop().execute(() -> removeIfPresent(backendPipeline, HttpClientCodec.class));

        ChannelPipeline clientPipeline = client.pipeline();
        clientPipeline.replace(ClientConnection.class, "tunnel", new End(backend));
        removeIfPresent(clientPipeline, ClientConnection.HeadAwareEncoder.class);
        removeIfPresent(clientPipeline, IdleStateHandler.class);
        clientPipeline.addFirst(IDLE, new IdleStateHandler(0, 0, idleTimeoutMs, TimeUnit.MILLISECONDS));
        // Removing the request decoder hands on what it held (bytes the user sent after the handshake) as raw bytes.
        removeIfPresent(clientPipeline, RequestDecoder.class);

        client.config().setAutoRead(backend.isWritable());
        backend.config().setAutoRead(client.isWritable());
    }

    private static void removeIfPresent(ChannelPipeline pipeline, Class<? extends ChannelHandler> type) {
        try {
            if (pipeline.get(type) != null) {
                pipeline.remove(type);
            }
        } catch (NoSuchElementException alreadyGone) {
            // The connection closed meanwhile and took its handlers with it.
        }
    }

    /** One side of the relay: what it reads goes to its peer. */
    static final class End extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        End(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                // The end-of-message marker the response decoder emits after the 101: not a byte of the tunnel.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (!peer.isActive()) {
                bytes.release();
                ctx.close();
                return;
            }
            peer.write(bytes, peer.voidPromise());
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            peer.config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // What was relayed already still reaches the peer, then it closes too.
            if (peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            // ClientConnection.STOPPING included: a stopping router closes tunnels when it closes its connections.
            ReferenceCountUtil.release(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
