package dev.deployguard.local.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The router's admin API for the control plane, on 127.0.0.1 only and behind a bearer token: health, routes
 * (read and replace), metrics and in-flight counts. Answers are JSON; errors are {@code {"error": "..."}}.
 */
final class AdminHandler extends Handler.Abstract {
    private static final long MAX_BODY_BYTES = 1 << 20;

    private final String app;
    private final byte[] expectedAuthorization;
    private final RouteState routes;
    private final TrafficStats stats;
    private final Supplier<String> listen;
    private final Clock clock;

    AdminHandler(String app, String token, RouteState routes, TrafficStats stats, Supplier<String> listen,
                 Clock clock) {
        this.app = app;
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.routes = routes;
        this.stats = stats;
        this.listen = listen;
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!authorized(request)) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"deployguard-router\"");
            return error(response, callback, HttpStatus.UNAUTHORIZED_401,
                    "missing or wrong bearer token; send Authorization: Bearer <contents of the router's token file>");
        }
        return serve(Request.getPathInContext(request), request, response, callback);
    }

    /**
     * Answers an authorized request for {@code path} ({@code /admin/health}, {@code /admin/routes}, ...): the whole
     * API of a one-app router, and of one app of a host router ({@link HostAdminHandler} maps
     * {@code /admin/apps/APP/routes} here as {@code /admin/routes}).
     */
    boolean serve(String path, Request request, Response response, Callback callback) {
        String method = request.getMethod();
        switch (path) {
            case "/admin/health" -> {
                if (!HttpMethod.GET.is(method)) {
                    return notAllowed(response, callback, "GET");
                }
                RouteSnapshot snapshot = routes.snapshot();
                return json(response, callback, HttpStatus.OK_200, new RouterHealth(app, RouterMain.reportedPid(),
                        snapshot.table().generation(), listen.get()));
            }
            case "/admin/routes" -> {
                if (HttpMethod.GET.is(method)) {
                    return json(response, callback, HttpStatus.OK_200, routes.snapshot().table());
                }
                if (HttpMethod.PUT.is(method)) {
                    return putRoutes(request, response, callback);
                }
                return notAllowed(response, callback, "GET, PUT");
            }
            case "/admin/metrics" -> {
                if (!HttpMethod.GET.is(method)) {
                    return notAllowed(response, callback, "GET");
                }
                long since;
                try {
                    since = sinceParameter(request);
                } catch (NumberFormatException e) {
                    return error(response, callback, HttpStatus.BAD_REQUEST_400,
                            "since must be epoch milliseconds, e.g. ?since=" + clock.millis());
                }
                return json(response, callback, HttpStatus.OK_200, stats.metrics(routes.snapshot(), since));
            }
            case "/admin/inflight" -> {
                if (!HttpMethod.GET.is(method)) {
                    return notAllowed(response, callback, "GET");
                }
                return json(response, callback, HttpStatus.OK_200, stats.inFlight(routes.snapshot()));
            }
            default -> {
                return error(response, callback, HttpStatus.NOT_FOUND_404, "no admin endpoint " + path
                        + "; there are /admin/health, /admin/routes, /admin/metrics, /admin/inflight");
            }
        }
    }

    private boolean putRoutes(Request request, Response response, Callback callback) {
        if (request.getLength() > MAX_BODY_BYTES) {
            return error(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "route table larger than 1 MiB");
        }
        // Parsing and the fsync of the state file block, so the rest runs on a pool thread, not a selector.
        Content.Source.asByteArrayAsync(request, (int) MAX_BODY_BYTES, Promise.Invocable.from(
                InvocationType.BLOCKING, (byte[] body, Throwable failure) -> {
                    if (failure != null) {
                        error(response, callback, HttpStatus.BAD_REQUEST_400,
                                "could not read the body (at most 1 MiB): " + failure.getMessage());
                    } else {
                        applyRoutes(body, response, callback);
                    }
                }));
        return true;
    }

    private void applyRoutes(byte[] body, Response response, Callback callback) {
        RouteTable table;
        try {
            table = RouterJson.STRICT.readValue(body, RouteTable.class);
            if (table == null) {
                throw new IllegalArgumentException("the body is empty; send a route table as JSON");
            }
        } catch (IOException | IllegalArgumentException e) {
            error(response, callback, HttpStatus.BAD_REQUEST_400, "not a valid route table: "
                    + RouteTables.describe(e));
            return;
        }
        try {
            routes.apply(table);
            json(response, callback, HttpStatus.OK_200, routes.snapshot().table());
        } catch (RouteState.StaleTableException e) {
            error(response, callback, HttpStatus.CONFLICT_409, e.getMessage());
        } catch (IllegalArgumentException e) {
            error(response, callback, HttpStatus.BAD_REQUEST_400, "not a valid route table: " + e.getMessage());
        } catch (IOException e) {
            error(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500,
                    "could not save the route table, routes unchanged: " + e.getMessage());
        }
    }

    private boolean authorized(Request request) {
        return authorized(request, expectedAuthorization);
    }

    /** Whether the request carries exactly {@code expected} ({@code Bearer TOKEN}), compared in constant time. */
    static boolean authorized(Request request, byte[] expected) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        return header != null
                && MessageDigest.isEqual(header.trim().getBytes(StandardCharsets.UTF_8), expected);
    }

    private static long sinceParameter(Request request) {
        Fields query = Request.extractQueryParameters(request);
        String since = query.getValue("since");
        return since == null ? Long.MIN_VALUE : Long.parseLong(since);
    }

    static boolean notAllowed(Response response, Callback callback, String allowed) {
        response.getHeaders().put(HttpHeader.ALLOW, allowed);
        return error(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "use " + allowed);
    }

    static boolean error(Response response, Callback callback, int status, String message) {
        return json(response, callback, status, Map.of("error", message));
    }

    static boolean json(Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = RouterJson.STRICT.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return true;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
