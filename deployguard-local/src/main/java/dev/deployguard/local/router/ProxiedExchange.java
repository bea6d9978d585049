package dev.deployguard.local.router;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request on its way through the router: the track and backend picked for it when it arrived (kept even if
 * the routes change meanwhile), and whether the proxy failed to reach the backend. Recorded exactly once.
 */
final class ProxiedExchange extends Callback.Nested {
    private static final String ATTRIBUTE = ProxiedExchange.class.getName();

    private final RouteSnapshot.Lane lane;
    private final RouteSnapshot.Target target;
    private final Response response;
    private final long startNanos;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile boolean proxyError;

    ProxiedExchange(RouteSnapshot.Lane lane, RouteSnapshot.Target target, Request request, Response response,
                    Callback callback, long startNanos) {
        super(callback);
        this.lane = lane;
        this.target = target;
        this.response = response;
        this.startNanos = startNanos;
        request.setAttribute(ATTRIBUTE, this);
        target.inFlight().incrementAndGet();
    }

    static ProxiedExchange of(Request request) {
        return (ProxiedExchange) request.getAttribute(ATTRIBUTE);
    }

    RouteSnapshot.Target target() {
        return target;
    }

    void markProxyError() {
        proxyError = true;
    }

    @Override
    public void succeeded() {
        finish();
        super.succeeded();
    }

    @Override
    public void failed(Throwable failure) {
        finish();
        super.failed(failure);
    }

    /** Records the request if that has not happened yet; for paths where Jetty will not call back. */
    void finish() {
        if (finished.compareAndSet(false, true)) {
            target.inFlight().decrementAndGet();
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
            lane.stats().record(response.getStatus(), proxyError, micros);
        }
    }
}
