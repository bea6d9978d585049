package dev.deployguard.local.router;

import dev.deployguard.traffic.RouteTable;
import java.io.IOException;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The admin API of one app of a host router, for the control plane: health, routes (read and replace), metrics and
 * in-flight counts. Answers are JSON; errors are {@code {"error": "..."}}. It knows no HTTP server and no token:
 * {@link HostAdminApi} checks the token and carries {@code /admin/apps/APP/...} here. A call may block (parsing, the
 * fsync of the state file): it is never called on an I/O thread.
 */
final class AdminApi {
    static final int MAX_BODY_BYTES = 1 << 20;

    private final String app;
    private final RouteState routes;
    private final TrafficStats stats;
    private final Supplier<String> listen;
    private final Clock clock;

    AdminApi(String app, RouteState routes, TrafficStats stats, Supplier<String> listen, Clock clock) {
        this.app = app;
        this.routes = routes;
        this.stats = stats;
        this.listen = listen;
        this.clock = clock;
    }

    /**
     * Answers an authorized call for its path ({@code /admin/health}, {@code /admin/routes}, ...): the API of one app
     * of a host router ({@link HostAdminApi} maps {@code /admin/apps/APP/routes}
     * here as {@code /admin/routes}).
     */
    AdminReply serve(AdminCall call) {
        switch (call.path()) {
            case "/admin/health" -> {
                if (!call.is("GET")) {
                    return AdminReply.notAllowed("GET");
                }
                RouteSnapshot snapshot = routes.snapshot();
                return AdminReply.json(200, new RouterHealth(app, HostRouterMain.reportedPid(),
                        snapshot.table().generation(), listen.get()));
            }
            case "/admin/routes" -> {
                if (call.is("GET")) {
                    return AdminReply.json(200, routes.snapshot().table());
                }
                if (call.is("PUT")) {
                    return putRoutes(call.body());
                }
                return AdminReply.notAllowed("GET, PUT");
            }
            case "/admin/metrics" -> {
                if (!call.is("GET")) {
                    return AdminReply.notAllowed("GET");
                }
                long since;
                try {
                    String value = call.query().get("since");
                    since = value == null ? Long.MIN_VALUE : Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return AdminReply.error(400, "since must be epoch milliseconds, e.g. ?since=" + clock.millis());
                }
                return AdminReply.json(200, stats.metrics(routes.snapshot(), since));
            }
            case "/admin/inflight" -> {
                if (!call.is("GET")) {
                    return AdminReply.notAllowed("GET");
                }
                return AdminReply.json(200, stats.inFlight(routes.snapshot()));
            }
            default -> {
                return AdminReply.error(404, "no admin endpoint " + call.path()
                        + "; there are /admin/health, /admin/routes, /admin/metrics, /admin/inflight");
            }
        }
    }

    private AdminReply putRoutes(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            return AdminReply.error(413, "route table larger than 1 MiB");
        }
        RouteTable table;
        try {
            table = RouterCodec.routeTable(body);
            if (table == null) {
                throw new IllegalArgumentException("the body is empty; send a route table as JSON");
            }
        } catch (IllegalArgumentException e) {
            return AdminReply.error(400, "not a valid route table: " + RouteTables.describe(e));
        }
        try {
            routes.apply(table);
            return AdminReply.json(200, routes.snapshot().table());
        } catch (RouteState.StaleTableException e) {
            return AdminReply.error(409, e.getMessage());
        } catch (IllegalArgumentException e) {
            return AdminReply.error(400, "not a valid route table: " + e.getMessage());
        } catch (IOException e) {
            return AdminReply.error(500, "could not save the route table, routes unchanged: " + e.getMessage());
        }
    }
}
