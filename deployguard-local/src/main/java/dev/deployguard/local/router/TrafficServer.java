package dev.deployguard.local.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The router's data path on Netty: a few event loops each accepting, reading and proxying its own user connections,
 * with backend connections pooled per loop so a request never changes thread. Holds what all connections share:
 * routes, passive health, the retry budget, and the count of exchanges a stopping router waits for.
 */
final class TrafficServer {

    private final RouteState routes;
    private final PassiveHealth health;
    private final RetryBudget retryBudget;
    private final Transport transport;
    private final EventLoopGroup loops;
    private final ChannelGroup clients = new DefaultChannelGroup("router-clients", GlobalEventExecutor.INSTANCE);
    private final FastThreadLocal<BackendPool> pools = new FastThreadLocal<>();
    private final AtomicInteger exchanges = new AtomicInteger();
    private volatile boolean stopping;
    private final RouterLimits limits;
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private Channel listener;
    private Channel tlsListener;
    private volatile AccessLog accessLog;
    /** False when the loops are shared by the apps of a host router, which shuts them down itself. */
    private final boolean ownsLoops;

    TrafficServer(RouteState routes, PassiveHealth health, RetryBudget retryBudget, Transport transport,
                  int eventLoops, RouterLimits limits) {
        this(routes, health, retryBudget, transport, transport.newGroup(eventLoops, "router-io"), true, limits);
    }

    /** One app of a host router: its listeners run on the loops every app of the process shares. */
    TrafficServer(RouteState routes, PassiveHealth health, RetryBudget retryBudget, Transport transport,
                  EventLoopGroup sharedLoops, RouterLimits limits) {
        this(routes, health, retryBudget, transport, sharedLoops, false, limits);
    }

    private TrafficServer(RouteState routes, PassiveHealth health, RetryBudget retryBudget, Transport transport,
                          EventLoopGroup loops, boolean ownsLoops, RouterLimits limits) {
        this.routes = routes;
        this.limits = limits;
        this.health = health;
        this.retryBudget = retryBudget;
        this.transport = transport;
        this.loops = loops;
        this.ownsLoops = ownsLoops;
    }

    /** The default number of event loops: one per two cores, at least one. */
    static int defaultEventLoops() {
        return Integer.getInteger("deployguard.router.eventLoops",
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    String transportName() {
        return transport.name();
    }

    /** Writes an access log line per request from now on. */
    void accessLog(AccessLog log) {
        this.accessLog = log;
    }

    /** The access log, or null. */
    AccessLog accessLog() {
        return accessLog;
    }

    /**
     * Binds the public address: HTTP/1.1, and HTTP/2 by prior knowledge or {@code Upgrade: h2c}.
     *
     * @throws BindException when it is taken
     */
    void bind(HostPort address) throws IOException {
        listener = bind(address, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted(ch);
                ch.pipeline().addLast(new H2.Preface(TrafficServer.this, List.of(RequestDecoder.class,
                        ClientConnection.HeadAwareEncoder.class, ClientConnection.class)));
                http1(ch.pipeline(), false);
            }
        });
    }

    /**
     * Binds the TLS address: HTTP/1.1, or HTTP/2 when ALPN agrees on it, with the certificate {@code tls} holds
     * when the connection arrives.
     *
     * @throws BindException when it is taken
     */
    void bindTls(HostPort address, TlsFiles tls) throws IOException {
        tlsListener = bind(address, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted(ch);
                ch.pipeline().addLast(tls.context().newHandler(ch.alloc()),
                        new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                            @Override
                            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    H2.configure(ctx.pipeline(), TrafficServer.this, true);
                                } else {
                                    http1(ctx.pipeline(), true);
                                }
                            }

                            @Override
                            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                                // A client that does not trust the certificate, or a port scanner: not the router's
                                // failure, and nothing to log per connection.
                                ctx.close();
                            }
                        });
            }
        });
    }

    private void accepted(Channel ch) {
        clients.add(ch);
        ch.pipeline().addLast(new io.netty.handler.timeout.IdleStateHandler(limits.clientIdleTimeoutMs(), 0, 0,
                TimeUnit.MILLISECONDS));
        if (stopping) {
            ch.close();
        }
    }

    private void http1(ChannelPipeline pipeline, boolean secure) {
        ClientConnection.HeadAwareEncoder encoder = new ClientConnection.HeadAwareEncoder();
        pipeline.addLast(new RequestDecoder(), encoder, new ClientConnection(this, encoder, secure));
    }

    private Channel bind(HostPort address, ChannelInitializer<Channel> initializer) throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 512)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(initializer);
        try {
            Channel bound = bootstrap.bind(new InetSocketAddress(address.host(), address.port())).sync().channel();
            listeners.add(bound);
            return bound;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (Exception e) {
            if (e instanceof BindException bind) {
                throw bind;
            }
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot bind " + address + ": " + e, e);
        }
    }

    /** The port actually bound, or -1 before binding. */
    int localPort() {
        return listener == null ? -1 : ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The TLS port actually bound, or -1 without TLS. */
    int tlsPort() {
        return tlsListener == null ? -1 : ((InetSocketAddress) tlsListener.localAddress()).getPort();
    }

    RouteState routes() {
        return routes;
    }

    PassiveHealth health() {
        return health;
    }

    RetryBudget retryBudget() {
        return retryBudget;
    }

    RouterLimits limits() {
        return limits;
    }

    boolean stopping() {
        return stopping;
    }

    /** This loop's backend connections; called on the loop itself. */
    BackendPool pool(EventLoop loop) {
        BackendPool pool = pools.get();
        if (pool == null) {
            pool = new BackendPool(loop, transport, limits.responseTimeoutMs());
            pools.set(pool);
        }
        return pool;
    }

    void exchangeStarted() {
        exchanges.incrementAndGet();
    }

    void exchangeEnded() {
        exchanges.decrementAndGet();
    }

    int exchangesInFlight() {
        return exchanges.get();
    }

    /**
     * Stops taking connections, lets requests in flight finish for up to {@code graceMs} (their connections close
     * after the answer), then closes everything.
     */
    void stop(long graceMs) throws InterruptedException {
        stopping = true;
        for (Channel bound : listeners) {
            bound.close().await(graceMs);
        }
        for (Channel client : clients) {
            client.pipeline().fireUserEventTriggered(ClientConnection.STOPPING);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
        while (exchanges.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        clients.close().await(1_000);
        if (ownsLoops) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(2_000);
        }
    }
}
