package dev.deployguard.local.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive connections to backends of ONE event loop, used only from that loop: a client connection's request
 * goes out on a backend connection of its own loop, so no request ever changes thread. Not thread-safe by design.
 */
final class BackendPool {
    static final int CONNECT_TIMEOUT_MS = 2_000;
    // Below the JDK HttpServer's 30 s keep-alive so the router, not the backend, closes idle connections; otherwise a
    // request can race onto a connection the backend is closing.
    static final long POOL_IDLE_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(15);
    private static final int MAX_IDLE_PER_BACKEND = 128;

    /**
     * Backend silence is checked every period (no timer per request): an idle pooled connection closes after
     * {@link #poolIdlePeriods} quiet periods, a backend owing a response times out after {@link #responsePeriods}.
     */
    private final long periodMs;
    private final int poolIdlePeriods;
    private final int responsePeriods;

    private final Bootstrap bootstrap;
    private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();
    private final Map<String, InetSocketAddress> addresses = new HashMap<>();

    BackendPool(EventLoop loop, Transport transport, long responseTimeoutMs) {
        this.periodMs = Math.min(POOL_IDLE_TIMEOUT_MS, responseTimeoutMs);
        this.poolIdlePeriods = (int) Math.max(1, POOL_IDLE_TIMEOUT_MS / periodMs);
        this.responsePeriods = (int) Math.max(1, (responseTimeoutMs + periodMs - 1) / periodMs);
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Reader idleness only: watching writes too would add a listener to every write.
                        ch.pipeline().addLast(
                                new IdleStateHandler(periodMs, 0, 0, TimeUnit.MILLISECONDS),
                                new HttpClientCodec(),
                                new BackendConnection(BackendPool.this));
                    }
                });
    }

    int poolIdlePeriods() {
        return poolIdlePeriods;
    }

    int responsePeriods() {
        return responsePeriods;
    }

    /** An idle open connection to the backend, most recently used first, or null. */
    Channel poll(String backend) {
        ArrayDeque<Channel> channels = idle.get(backend);
        if (channels == null) {
            return null;
        }
        Channel channel;
        while ((channel = channels.pollLast()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /** Opens a new connection to the backend; completes on this pool's loop. */
    ChannelFuture connect(String backend) {
        InetSocketAddress address = addresses.computeIfAbsent(backend, b -> {
            HostPort hostPort = HostPort.parse(b);
            return new InetSocketAddress(hostPort.host(), hostPort.port());
        });
        ChannelFuture future = bootstrap.connect(address);
        future.channel().pipeline().get(BackendConnection.class).backend(backend);
        return future;
    }

    /** Keeps a connection whose last exchange ended cleanly for the next request to this backend. */
    void offer(String backend, Channel channel) {
        ArrayDeque<Channel> channels = idle.computeIfAbsent(backend, b -> new ArrayDeque<>());
        if (channels.size() >= MAX_IDLE_PER_BACKEND || !channel.isActive()) {
            channel.close();
            return;
        }
        channels.addLast(channel);
    }

    void forget(String backend, Channel channel) {
        ArrayDeque<Channel> channels = idle.get(backend);
        if (channels != null) {
            channels.remove(channel);
        }
    }
}
