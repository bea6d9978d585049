package dev.deployguard.local.router;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

/**
 * The admin API of a host router, on 127.0.0.1 behind a bearer token (its token file's contents):
 * <ul>
 *   <li>{@code GET /admin/health} → {@link HostHealth}; {@code GET /admin/apps} → every app's
 *       {@link AppListener}</li>
 *   <li>{@code GET|PUT|DELETE /admin/apps/APP} → the app's listener: read, add or change (400 for a bad listener,
 *       unusable files or a taken address), remove</li>
 *   <li>{@code /admin/apps/APP/health|routes|metrics|inflight} → the per-app API of {@link AdminApi} for that
 *       app (generations, stale tables refused, fsync'd state), unchanged</li>
 * </ul>
 * Served by {@link NettyAdminServer}; a call may block (binding, certificates, fsync), so never on an event loop.
 */
final class HostAdminApi {
    private static final int MAX_LISTENER_BYTES = 64 * 1024;
    private static final String APPS = "/admin/apps";

    private final byte[] expectedAuthorization;
    private final HostedApps apps;
    private final PrintStream log;

    HostAdminApi(String token, HostedApps apps, PrintStream log) {
        this.expectedAuthorization = AdminCall.bearer(token);
        this.apps = apps;
        this.log = log;
    }

    AdminReply handle(AdminCall call) {
        if (!call.authorized(expectedAuthorization)) {
            return AdminReply.unauthorized();
        }
        String path = call.path();
        if (path.equals("/admin/health")) {
            return call.is("GET")
                    ? AdminReply.json(200, new HostHealth(HostRouterMain.reportedPid(), apps.names()))
                    : AdminReply.notAllowed("GET");
        }
        if (path.equals(APPS)) {
            return call.is("GET") ? AdminReply.json(200, apps.listeners()) : AdminReply.notAllowed("GET");
        }
        if (!path.startsWith(APPS + "/")) {
            return AdminReply.error(404, "no admin endpoint " + path
                    + "; a host router has /admin/health, /admin/apps, /admin/apps/APP and"
                    + " /admin/apps/APP/{health,routes,metrics,inflight}");
        }
        String rest = path.substring(APPS.length() + 1);
        int slash = rest.indexOf('/');
        String app = slash < 0 ? rest : rest.substring(0, slash);
        try {
            HostedApps.checkName(app);
        } catch (IllegalArgumentException e) {
            return AdminReply.error(400, e.getMessage());
        }
        if (slash < 0) {
            return listener(app, call);
        }
        return apps.get(app)
                .map(hosted -> hosted.admin().serve(call.at("/admin" + rest.substring(slash))))
                .orElseGet(() -> AdminReply.error(404, "this router serves no app " + app + "; add it with PUT "
                        + APPS + "/" + app));
    }

    private AdminReply listener(String app, AdminCall call) {
        if (call.is("GET")) {
            return apps.get(app)
                    .map(hosted -> AdminReply.json(200, hosted.bound()))
                    .orElseGet(() -> AdminReply.error(404, "this router serves no app " + app));
        }
        if (call.is("DELETE")) {
            try {
                return AdminReply.json(200, Map.of("removed", apps.remove(app, log)));
            } catch (IOException e) {
                return AdminReply.error(500,
                        "app " + app + " no longer served, but its files could not be removed: " + e.getMessage());
            }
        }
        if (!call.is("PUT")) {
            return AdminReply.notAllowed("GET, PUT, DELETE");
        }
        if (call.body().length > MAX_LISTENER_BYTES) {
            return AdminReply.error(400, "could not read the body (at most 64 KiB)");
        }
        AppListener want;
        try {
            want = RouterCodec.listener(call.body());
            if (want == null) {
                throw new IllegalArgumentException("the body is empty; send a listener as JSON");
            }
        } catch (IllegalArgumentException e) {
            return AdminReply.error(400, "not a valid listener: " + RouteTables.describe(e));
        }
        try {
            return AdminReply.json(200, apps.put(app, want, log));
        } catch (HostedApp.AppException e) {
            return AdminReply.error(400, "app " + app + ": " + e.getMessage());
        } catch (IOException e) {
            return AdminReply.error(500, e.getMessage());
        }
    }
}
