package dev.deployguard.local.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/** The end of a pooled backend connection: hands what the backend sends to the exchange that owns it right now. */
final class BackendConnection extends ChannelInboundHandlerAdapter {
    private final BackendPool pool;
    private String backend;
    private Exchange exchange;
    private int quietPeriods;

    BackendConnection(BackendPool pool) {
        this.pool = pool;
    }

    void backend(String address) {
        this.backend = address;
    }

    String backend() {
        return backend;
    }

    void bind(Exchange owner) {
        this.exchange = owner;
        this.quietPeriods = 0;
    }

    void unbind() {
        this.exchange = null;
        this.quietPeriods = 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        quietPeriods = 0;
        if (exchange != null && msg instanceof HttpObject http) {
            exchange.onBackendMessage(http);
        } else {
            // Nothing is owed to anyone: a backend talking out of turn loses its connection.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushToClient();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.forget(backend, ctx.channel());
        Exchange owner = exchange;
        exchange = null;
        if (owner != null) {
            owner.onBackendFailure(null, false);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange owner = exchange;
        exchange = null;
        ctx.close();
        if (owner != null) {
            owner.onBackendFailure(cause, false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (exchange == null) {
                if (++quietPeriods >= pool.poolIdlePeriods()) {
                    // Idle in the pool for the pool's idle timeout.
                    ctx.close();
                }
            } else if (++quietPeriods >= pool.responsePeriods()) {
                Exchange owner = exchange;
                exchange = null;
                ctx.close();
                owner.onBackendTimeout();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }
}
