// Over 400 lines: one proxied exchange's state machine on its event loop; the states share per-request fields.
package dev.deployguard.local.router;

import dev.deployguard.traffic.Track;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One user request on its way through the router, entirely on its client connection's event loop: the track and
 * backend picked when it arrived (kept even if the routes change meanwhile), the backend attempts (another backend
 * of the same track after a connect failure, or for a replayable request after a reset or a retryable status), the
 * response streamed back piece by piece, and one record in the track's stats when it ends.
 */
final class Exchange {
    private static final int MAX_QUEUED_PIECES = 4;

    private final ClientSide client;
    private final TrafficServer server;
    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final boolean clientKeepAlive;
    private final boolean http10;
    private final boolean head;
    /** Idempotent and without a body: it can be sent again exactly as it was. */
    private final boolean replayable;
    /** The protocol asked for in {@code Upgrade} (WebSocket, h2c...) of a body-less HTTP/1.1 request, or null. */
    private final String upgrade;
    private final long startNanos = System.nanoTime();
    /** For the access log: the wall-clock start (0 without a log), and the protocol as the user spoke it. */
    private final long startEpochMs;
    private final String protocol;
    /** Response body bytes written to the user. */
    private long responseBytes;

    private RouteSnapshot.Lane lane;
    /** Sent by DeployGuard's built-in load ({@code X-DeployGuard-Synthetic}): counted apart from user traffic. */
    private boolean synthetic;
    private RouteSnapshot.Target target;
    private final List<RouteSnapshot.Target> tried = new ArrayList<>(2);
    private boolean attemptOpen;
    /** Request pieces received while no backend connection is ready; all of the body until then. */
    private final ArrayDeque<HttpContent> queued = new ArrayDeque<>();
    private Channel backend;
    private BackendConnection backendEnd;
    private boolean bodyWritten;
    private boolean requestEnded;
    private boolean requestSent;
    private boolean backendKeepAlive;
    /** Request body bytes received so far, held against the router's body limit. */
    private long bodyBytes;

    private boolean responseStarted;
    private boolean responseEnded;
    private boolean informational;
    /** A retryable status is being read to its end before the next attempt. */
    private RouteSnapshot.Target retryAfterDiscard;
    private boolean closeClient;
    private int status;
    private boolean proxyError;
    private boolean finished;

    Exchange(ClientSide client, TrafficServer server, ChannelHandlerContext ctx, HttpRequest request) {
        this.client = client;
        this.server = server;
        this.ctx = ctx;
        this.request = request;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.head = HttpMethod.HEAD.equals(request.method());
        this.replayable = idempotent(request.method()) && !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0L;
        this.upgrade = upgradeOf(request, replayable && !http10);
        this.protocol = client instanceof H2Stream ? "HTTP/2.0" : request.protocolVersion().text();
        this.startEpochMs = server.accessLog() == null ? 0 : System.currentTimeMillis();
    }

    /** A request as its head and, when it came whole (an HTTP/2 request without body, an h2c upgrade), the rest. */
    record Split(HttpRequest head, LastHttpContent rest) {
    }

    /** Splits a {@link FullHttpRequest} into head and last content, the two pieces an exchange takes apart. */
    static Split split(HttpRequest request) {
        if (request instanceof FullHttpRequest full) {
            return new Split(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()),
                    new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        }
        return new Split(request, null);
    }

    /**
     * The protocol a request asks to switch to: {@code Upgrade} named in {@code Connection} (RFC 9110 7.8). Only for
     * a request without a body, so that the switch can never land in the middle of one; other requests lose the
     * header as any hop-by-hop header.
     */
    private static String upgradeOf(HttpRequest request, boolean eligible) {
        String protocol = request.headers().get(HttpHeaderNames.UPGRADE);
        if (!eligible || protocol == null || protocol.isBlank()
                || !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return null;
        }
        return protocol.trim();
    }

    private static boolean idempotent(HttpMethod method) {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method)
                || HttpMethod.PUT.equals(method) || HttpMethod.DELETE.equals(method)
                || HttpMethod.TRACE.equals(method);
    }

    boolean head() {
        return head;
    }

    boolean requestEnded() {
        return requestEnded;
    }

    /** Whether the whole response has been written, whatever is left of the request. */
    boolean answered() {
        return responseEnded;
    }

    /** Picks the track and backend and starts the first attempt, or answers 503 when there is none. */
    void start() {
        long announced = HttpUtil.getContentLength(request, -1L);
        if (server.limits().bodyTooLarge(announced)) {
            refuseAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(" of " + announced + " bytes"));
            return;
        }
        RouteSnapshot snapshot = server.routes().snapshot();
        synthetic = request.headers().contains(TrackChoice.SYNTHETIC_HEADER);
        lane = snapshot.choose(TrackChoice.forcedTrack(request.headers()),
                ThreadLocalRandom.current().nextInt(Track.FULL));
        if (lane == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "no route: app " + snapshot.table().app()
                    + " has no tracks at generation " + snapshot.table().generation() + "\n");
            return;
        }
        RouteSnapshot.Target first = pick();
        if (first == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "no route: track " + lane.track().name() + " has no backends\n");
            return;
        }
        // The app sees what the user sent, minus hop-by-hop headers, plus where it came from; the router keeps its
        // backend connections alive whatever the user asked for.
        ProxyHeaders.dropHopByHop(request);
        if (upgrade != null) {
            // The one hop-by-hop pair that is passed on: the backend decides whether to switch.
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            request.headers().set(HttpHeaderNames.UPGRADE, upgrade);
        }
        ProxyHeaders.addForwarded(request.headers(), ctx.channel().remoteAddress(), ctx.channel().localAddress(),
                client.secure());
        if (http10) {
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
        }
        server.retryBudget().onRequest();
        attempt(first);
    }

    /** The next backend of the lane in turn that is neither ejected nor tried; all ejected: try one anyway. */
    private RouteSnapshot.Target pick() {
        int n = lane.size();
        for (int i = 0; i < n; i++) {
            RouteSnapshot.Target t = lane.nextTarget();
            if (!tried.contains(t) && !server.health().isEjected(t.backend())) {
                return t;
            }
        }
        // Every backend ejected: a try may still succeed (the cool-down is a guess), a 502 would not.
        return tried.isEmpty() ? lane.nextTarget() : null;
    }

    private void attempt(RouteSnapshot.Target next) {
        target = next;
        tried.add(next);
        next.inFlight().incrementAndGet();
        attemptOpen = true;
        BackendPool pool = server.pool(ctx.channel().eventLoop());
        Channel pooled = pool.poll(next.backend());
        if (pooled != null) {
            bind(pooled);
            return;
        }
        ChannelFuture connecting = pool.connect(next.backend());
        connecting.addListener((ChannelFutureListener) f -> {
            if (finished || target != next) {
                f.channel().close();
                return;
            }
            if (f.isSuccess()) {
                bind(f.channel());
            } else {
                onConnectFailure(f.cause());
            }
        });
    }

    private void bind(Channel channel) {
        backend = channel;
        backendEnd = channel.pipeline().get(BackendConnection.class);
        backendEnd.bind(this);
        channel.write(request);
        if (replayable) {
            // Nothing but the end marker was or will be received; it is sent with the head on every attempt.
            if (requestEnded) {
                channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
                requestSent = true;
            }
        } else {
            HttpContent piece;
            while ((piece = queued.poll()) != null) {
                writeBody(piece);
            }
        }
        if (!client.inRead()) {
            channel.flush();
        }
        client.updateAutoRead();
    }

    /** A piece of the request body from the client. */
    void onRequestContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestEnded = true;
        }
        bodyBytes += content.content().readableBytes();
        if (!responseEnded && server.limits().bodyTooLarge(bodyBytes)) {
            content.release();
            refuseAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, tooLarge(""));
            return;
        }
        if (responseEnded) {
            // Answered already (locally, or the backend answered early): the rest is read and dropped.
            content.release();
            if (last) {
                complete();
            }
            return;
        }
        if (replayable) {
            content.release();
            if (last && backend != null) {
                backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
                requestSent = true;
                if (!client.inRead()) {
                    backend.flush();
                }
            }
            if (last && upgrade != null) {
                // Reading pauses until the backend said whether it switches protocols.
                client.updateAutoRead();
            }
            return;
        }
        if (backend == null) {
            queued.add(content);
        } else {
            writeBody(content);
            if (!client.inRead()) {
                backend.flush();
            }
        }
        client.updateAutoRead();
    }

    private void writeBody(HttpContent piece) {
        bodyWritten = true;
        if (piece instanceof LastHttpContent) {
            requestSent = true;
        }
        backend.write(piece);
    }

    /** The client's read batch ended: what was written to the backend goes out now, in one system call. */
    void flushToBackend() {
        if (backend != null) {
            backend.flush();
        }
    }

    /** Whether the client connection should keep reading: not while request pieces pile up for a slow backend. */
    boolean wantsClientReads() {
        if (upgrade != null && requestEnded && !responseEnded) {
            // Nothing may follow an upgrade request until the backend said whether it switches (RFC 6455 4.1).
            return false;
        }
        if (requestEnded || responseEnded) {
            return true;
        }
        if (backend == null) {
            return queued.size() < MAX_QUEUED_PIECES;
        }
        return backend.isWritable();
    }

    void backendWritabilityChanged() {
        client.updateAutoRead();
    }

    void clientWritabilityChanged() {
        if (backend != null) {
            backend.config().setAutoRead(ctx.channel().isWritable());
        }
    }

    // --- from the backend ------------------------------------------------------------------------------------

    void onBackendMessage(HttpObject message) {
        if (message instanceof HttpResponse response) {
            onBackendResponse(response);
        }
        if (message instanceof HttpContent content) {
            onBackendContent(content);
        }
    }

    private void onBackendResponse(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            Channel broken = unbindBackend();
            broken.close();
            closeAttempt();
            failWith(HttpResponseStatus.BAD_GATEWAY, "the backend sent a malformed response\n");
            return;
        }
        int code = response.status().code();
        if (code == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            switchProtocols(response);
            return;
        }
        if (code >= 100 && code < 200) {
            // 100 Continue and friends are passed on; the final response follows on the same connection.
            informational = true;
            ProxyHeaders.dropHopByHop(response);
            if (!(client instanceof H2Stream)) {
                ctx.write(response);
            } else if (code == HttpResponseStatus.CONTINUE.code()) {
                // HTTP/2 carries an interim answer as a headers frame without end of stream; Netty's translation
                // does that for a whole 100 only. Other 1xx (103 Early Hints) are not passed on over HTTP/2.
                ctx.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(), Unpooled.EMPTY_BUFFER,
                        response.headers(), EmptyHttpHeaders.INSTANCE));
            }
            return;
        }
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        if (replayable && requestSent && server.retryBudget().policy().retriesStatus(code)) {
            RouteSnapshot.Target next = pick();
            if (next != null && server.retryBudget().tryAcquire()) {
                retryAfterDiscard = next;
                return;
            }
        }
        status = code;
        responseStarted = true;
        ProxyHeaders.dropHopByHop(response);
        boolean keepAlive = clientKeepAlive && !server.stopping();
        boolean framed = HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response);
        if (!framed && !head && code != 204 && code != 304) {
            // The backend delimits this body by closing; a client on HTTP/1.1 gets it chunked instead.
            if (http10) {
                keepAlive = false;
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        }
        if (http10) {
            response.setProtocolVersion(HttpVersion.HTTP_1_0);
            if (HttpUtil.isTransferEncodingChunked(response)) {
                response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                keepAlive = false;
            }
            if (keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        if (!keepAlive) {
            closeClient = true;
            if (!http10) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        ctx.write(response);
        if (!ctx.channel().isWritable()) {
            backend.config().setAutoRead(false);
        }
    }

    /**
     * A 101: the user's connection and this backend connection become a byte relay ({@link Tunnel}). The exchange
     * ends here, recorded in its track's stats as one request; the tunnel is not a request in flight (draining a
     * backend does not wait for it). A 101 nobody asked for, or one the user broke by sending ahead, is a 502.
     */
    private void switchProtocols(HttpResponse response) {
        String switchedTo = response.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !requestSent || switchedTo == null || client.hasPipelined()) {
            ReferenceCountUtil.release(response);
            Channel broken = unbindBackend();
            broken.close();
            closeAttempt();
            if (upgrade != null && client.hasPipelined()) {
                proxyError = true;
                abort();
                return;
            }
            failWith(HttpResponseStatus.BAD_GATEWAY, "bad gateway: backend " + target.backend()
                    + " switched protocols without being asked to\n");
            return;
        }
        status = response.status().code();
        responseStarted = true;
        responseEnded = true;
        ProxyHeaders.dropHopByHop(response);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.headers().set(HttpHeaderNames.UPGRADE, switchedTo);
        ctx.writeAndFlush(response);
        Channel tunnelled = unbindBackend();
        finish();
        Tunnel.open(ctx.channel(), tunnelled, server.limits().tunnelIdleTimeoutMs());
    }

    private void onBackendContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (informational) {
            if (last) {
                informational = false;
            }
            if (client instanceof H2Stream) {
                // Its end would end the HTTP/2 stream; the interim answer went out whole.
                content.release();
            } else {
                ctx.write(content);
            }
            return;
        }
        if (retryAfterDiscard != null) {
            content.release();
            if (last) {
                RouteSnapshot.Target next = retryAfterDiscard;
                retryAfterDiscard = null;
                releaseBackend();
                closeAttempt();
                attempt(next);
            }
            return;
        }
        responseBytes += content.content().readableBytes();
        ctx.write(content);
        if (!ctx.channel().isWritable() && backend != null) {
            backend.config().setAutoRead(false);
        }
        if (last) {
            releaseBackend();
            closeAttempt();
            responseEnded = true;
            // Counted in its track's stats before the user can see the answer: whoever reads the metrics after a
            // response finds that response in them.
            complete();
            ctx.flush();
        }
    }

    void flushToClient() {
        ctx.flush();
    }

    /** The backend connection closed, failed or was reset (cause null: closed) before the exchange was done. */
    void onBackendFailure(Throwable cause, boolean connectFailure) {
        if (finished) {
            return;
        }
        if (backend != null) {
            Channel broken = unbindBackend();
            broken.close();
        }
        closeAttempt();
        String reason = cause == null ? "connection closed" : cause instanceof IOException && cause.getMessage() != null
                ? cause.getMessage() : cause.toString();
        server.health().eject(target.backend(), reason);
        if (!responseStarted) {
            boolean again = connectFailure || (replayable && !informational);
            if (again) {
                RouteSnapshot.Target next = pick();
                if (next != null && server.retryBudget().tryAcquire()) {
                    retryAfterDiscard = null;
                    attempt(next);
                    return;
                }
            }
            failWith(HttpResponseStatus.BAD_GATEWAY, "bad gateway: backend " + target.backend() + " of track "
                    + lane.track().name() + " failed: " + reason + "\n");
            return;
        }
        // Part of the response is with the user: all that is left is to end the connection so they see it broke.
        proxyError = true;
        abort();
    }

    void onConnectFailure(Throwable cause) {
        String reason = cause instanceof ConnectException && cause.getMessage() != null
                ? "connection refused" : cause.toString();
        onBackendFailure(new ConnectException(reason), true);
    }

    void onBackendTimeout() {
        if (finished) {
            return;
        }
        backend = null;
        backendEnd = null;
        closeAttempt();
        if (!responseStarted) {
            failWith(HttpResponseStatus.GATEWAY_TIMEOUT, "gateway timeout: backend " + target.backend()
                    + " did not answer within " + server.limits().responseTimeoutMs() + " ms\n");
        } else {
            proxyError = true;
            abort();
        }
    }

    private void failWith(HttpResponseStatus failure, String message) {
        proxyError = true;
        respondLocally(failure, message);
    }

    private void respondLocally(HttpResponseStatus answer, String message) {
        status = answer.code();
        responseStarted = true;
        responseEnded = true;
        FullHttpResponse response = new DefaultFullHttpResponse(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                answer, Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (answer.code() == 503) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (!clientKeepAlive || server.stopping()) {
            closeClient = true;
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        releaseQueued();
        responseBytes += response.content().readableBytes();
        ctx.writeAndFlush(response);
        if (requestEnded) {
            complete();
        }
    }

    /** The request turned out malformed after its head (bad chunking): the backend never gets a complete request. */
    void rejectBody(String reason) {
        if (backend != null) {
            // Closing discards what was written but not flushed: with the body read in the head's batch, the
            // backend has not seen a byte of this request.
            Channel dropped = unbindBackend();
            dropped.close();
        }
        closeAttempt();
        lane = null;
        requestEnded = true;
        closeClient = true;
        if (!responseStarted) {
            respondLocally(HttpResponseStatus.BAD_REQUEST, reason + "\n");
        } else {
            abort();
        }
    }

    /** The user stopped sending the rest of the request for the client idle timeout: 408, and the connection ends. */
    void requestTimedOut() {
        if (finished) {
            return;
        }
        refuseAndClose(HttpResponseStatus.REQUEST_TIMEOUT, "request timeout: the rest of the request did not"
                + " arrive within " + server.limits().clientIdleTimeoutMs() + " ms\n");
    }

    private String tooLarge(String size) {
        return "request body" + size + " is over the router's limit of " + server.limits().maxBodyBytes()
                + " bytes (-D" + RouterLimits.PREFIX + "maxBodyBytes)\n";
    }

    /**
     * Refuses the request on the router's own account (it is not the app's answer, so not in the track's stats):
     * whatever reached the backend is cut off, the user gets {@code answer} if no response began, and the
     * connection closes rather than read a body nobody wants.
     */
    private void refuseAndClose(HttpResponseStatus answer, String message) {
        if (backend != null) {
            Channel dropped = unbindBackend();
            dropped.close();
        }
        closeAttempt();
        lane = null;
        closeClient = true;
        if (responseStarted) {
            abort();
            return;
        }
        status = answer.code();
        responseStarted = true;
        responseEnded = true;
        FullHttpResponse response = new DefaultFullHttpResponse(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                answer, Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        responseBytes += response.content().readableBytes();
        finish();
        client.lingerAndClose(ctx.writeAndFlush(response));
    }

    /** The client went away: the backend connection cannot be reused mid-exchange. */
    void clientGone() {
        if (finished) {
            return;
        }
        if (backend != null) {
            Channel dropped = unbindBackend();
            dropped.close();
        }
        closeAttempt();
        if (!responseStarted) {
            status = 499;
        }
        finish();
    }

    private void abort() {
        closeClient = true;
        if (backend != null) {
            Channel dropped = unbindBackend();
            dropped.close();
        }
        closeAttempt();
        finish();
        ctx.flush();
        ctx.close();
    }

    private void complete() {
        if (finished || !responseEnded || !requestEnded) {
            return;
        }
        finish();
        client.exchangeDone(this, !closeClient);
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        releaseQueued();
        closeAttempt();
        if (lane != null && !tried.isEmpty()) {
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
            lane.stats().record(status, proxyError, micros, synthetic);
        }
        AccessLog log = server.accessLog();
        if (log != null) {
            log.log(new AccessLog.Entry(ProxyHeaders.address(ctx.channel().remoteAddress()), startEpochMs,
                    request.method().name(), request.uri(), protocol, status, head ? 0 : responseBytes,
                    request.headers().get(HttpHeaderNames.REFERER), request.headers().get(HttpHeaderNames.USER_AGENT),
                    lane == null ? null : lane.track().name(),
                    TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos)));
        }
        server.exchangeEnded();
    }

    private void closeAttempt() {
        if (attemptOpen) {
            attemptOpen = false;
            target.inFlight().decrementAndGet();
        }
    }

    private Channel unbindBackend() {
        Channel channel = backend;
        backendEnd.unbind();
        backend = null;
        backendEnd = null;
        channel.config().setAutoRead(true);
        return channel;
    }

    /** Returns the backend connection to this loop's pool when the exchange left it clean, else closes it. */
    private void releaseBackend() {
        if (backend == null) {
            return;
        }
        String address = backendEnd.backend();
        Channel channel = unbindBackend();
        if (backendKeepAlive && requestSent && !server.stopping()) {
            server.pool(ctx.channel().eventLoop()).offer(address, channel);
        } else {
            channel.close();
        }
    }

    private void releaseQueued() {
        HttpContent piece;
        while ((piece = queued.poll()) != null) {
            piece.release();
        }
    }
}
