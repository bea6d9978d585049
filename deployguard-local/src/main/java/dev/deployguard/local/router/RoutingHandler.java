package dev.deployguard.local.router;

import dev.deployguard.analysis.TrackKind;
import dev.deployguard.traffic.Track;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Picks a track and backend for each user request from the current route snapshot, then lets the proxy carry it
 * and records the outcome when the response completes.
 */
final class RoutingHandler extends Handler.Wrapper {
    /** Names a track to send the request to, e.g. for testing a canary before it takes weight. */
    static final String TRACK_HEADER = "X-DeployGuard-Track";
    /** {@code X-Canary: always} is {@code X-DeployGuard-Track: canary}, as ingress-nginx users know it. */
    static final String CANARY_HEADER = "X-Canary";
    static final String CANARY_TRACK = TrackKind.CANARY.trackName();
    static final String STABLE_TRACK = TrackKind.STABLE.trackName();
    /** Cookie name for canary-by-cookie routing. */
    static final String CANARY_COOKIE = "canary";

    private final RouteState routes;

    RoutingHandler(RouteState routes, Handler proxy) {
        super(proxy);
        this.routes = routes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long start = System.nanoTime();
        RouteSnapshot snapshot = routes.snapshot();
        RouteSnapshot.Lane lane =
                snapshot.choose(forcedTrack(request), ThreadLocalRandom.current().nextInt(Track.FULL));
        if (lane == null) {
            return unavailable(response, callback, "no route: app " + snapshot.table().app()
                    + " has no tracks at generation " + snapshot.table().generation() + "\n");
        }
        RouteSnapshot.Target target = lane.nextTarget();
        if (target == null) {
            return unavailable(response, callback, "no route: track " + lane.track().name() + " has no backends\n");
        }
        ProxiedExchange exchange = new ProxiedExchange(lane, target, request, response, callback, start);
        try {
            if (!super.handle(request, response, exchange)) {
                exchange.finish();
                return false;
            }
            return true;
        } catch (Throwable failure) {
            exchange.finish();
            throw failure;
        }
    }

    private static String forcedTrack(Request request) {
        String track = request.getHeaders().get(TRACK_HEADER);
        if (track != null) {
            return track.trim();
        }
        String canary = request.getHeaders().get(CANARY_HEADER);
        if (canary != null && canary.trim().equalsIgnoreCase("always")) {
            return CANARY_TRACK;
        }
        // ingress-nginx's canary-by-cookie: a tester's browser keeps "canary=always" (or "never" for stable).
        for (String cookieHeader : request.getHeaders().getValuesList(HttpHeader.COOKIE)) {
            for (String cookie : cookieHeader.split(";")) {
                String c = cookie.trim();
                if (c.equalsIgnoreCase(CANARY_COOKIE + "=always")) {
                    return CANARY_TRACK;
                }
                if (c.equalsIgnoreCase(CANARY_COOKIE + "=never")) {
                    return STABLE_TRACK;
                }
            }
        }
        return null;
    }

    private static boolean unavailable(Response response, Callback callback, String message) {
        response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.write(true, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
