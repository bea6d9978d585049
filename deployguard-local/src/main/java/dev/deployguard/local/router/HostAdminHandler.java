package dev.deployguard.local.router;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The admin API of a host router, on 127.0.0.1 behind the same bearer token as a one-app router's:
 * <ul>
 *   <li>{@code GET /admin/health} → {@link HostHealth}; {@code GET /admin/apps} → every app's {@link AppListener}</li>
 *   <li>{@code GET|PUT|DELETE /admin/apps/APP} → the app's listener: read, add or change (400 for a bad listener,
 *       unusable files or a taken address), remove</li>
 *   <li>{@code /admin/apps/APP/health|routes|metrics|inflight} → the one-app API of {@link AdminHandler} for that
 *       app (generations, stale tables refused, fsync'd state), unchanged</li>
 * </ul>
 */
final class HostAdminHandler extends Handler.Abstract {
    private static final int MAX_LISTENER_BYTES = 64 * 1024;
    private static final String APPS = "/admin/apps";

    private final byte[] expectedAuthorization;
    private final HostedApps apps;
    private final PrintStream log;

    HostAdminHandler(String token, HostedApps apps, PrintStream log) {
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.apps = apps;
        this.log = log;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!AdminHandler.authorized(request, expectedAuthorization)) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"deployguard-router\"");
            return AdminHandler.error(response, callback, HttpStatus.UNAUTHORIZED_401,
                    "missing or wrong bearer token; send Authorization: Bearer <contents of the router's token file>");
        }
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals("/admin/health")) {
            return HttpMethod.GET.is(method)
                    ? AdminHandler.json(response, callback, HttpStatus.OK_200,
                            new HostHealth(RouterMain.reportedPid(), apps.names()))
                    : AdminHandler.notAllowed(response, callback, "GET");
        }
        if (path.equals(APPS)) {
            return HttpMethod.GET.is(method)
                    ? AdminHandler.json(response, callback, HttpStatus.OK_200, apps.listeners())
                    : AdminHandler.notAllowed(response, callback, "GET");
        }
        if (!path.startsWith(APPS + "/")) {
            return AdminHandler.error(response, callback, HttpStatus.NOT_FOUND_404, "no admin endpoint " + path
                    + "; a host router has /admin/health, /admin/apps, /admin/apps/APP and"
                    + " /admin/apps/APP/{health,routes,metrics,inflight}");
        }
        String rest = path.substring(APPS.length() + 1);
        int slash = rest.indexOf('/');
        String app = slash < 0 ? rest : rest.substring(0, slash);
        try {
            HostedApps.checkName(app);
        } catch (IllegalArgumentException e) {
            return AdminHandler.error(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
        }
        if (slash < 0) {
            return listener(app, request, response, callback);
        }
        return apps.get(app)
                .map(hosted -> hosted.admin().serve("/admin" + rest.substring(slash), request, response, callback))
                .orElseGet(() -> AdminHandler.error(response, callback, HttpStatus.NOT_FOUND_404, "this router serves"
                        + " no app " + app + "; add it with PUT " + APPS + "/" + app));
    }

    private boolean listener(String app, Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (HttpMethod.GET.is(method)) {
            return apps.get(app)
                    .map(hosted -> AdminHandler.json(response, callback, HttpStatus.OK_200, hosted.bound()))
                    .orElseGet(() -> AdminHandler.error(response, callback, HttpStatus.NOT_FOUND_404,
                            "this router serves no app " + app));
        }
        if (HttpMethod.DELETE.is(method)) {
            try {
                boolean removed = apps.remove(app, log);
                return AdminHandler.json(response, callback, HttpStatus.OK_200, Map.of("removed", removed));
            } catch (IOException e) {
                return AdminHandler.error(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500,
                        "app " + app + " no longer served, but its files could not be removed: " + e.getMessage());
            }
        }
        if (!HttpMethod.PUT.is(method)) {
            return AdminHandler.notAllowed(response, callback, "GET, PUT, DELETE");
        }
        // Binding, loading certificates and the fsync block: the rest runs on a pool thread, not a selector.
        Content.Source.asByteArrayAsync(request, MAX_LISTENER_BYTES, Promise.Invocable.from(
                InvocationType.BLOCKING, (byte[] body, Throwable failure) -> {
                    if (failure != null) {
                        AdminHandler.error(response, callback, HttpStatus.BAD_REQUEST_400,
                                "could not read the body (at most 64 KiB): " + failure.getMessage());
                    } else {
                        put(app, body, response, callback);
                    }
                }));
        return true;
    }

    private void put(String app, byte[] body, Response response, Callback callback) {
        AppListener want;
        try {
            want = RouterJson.STRICT_OPTIONAL.readValue(body, AppListener.class);
            if (want == null) {
                throw new IllegalArgumentException("the body is empty; send a listener as JSON");
            }
        } catch (IOException | IllegalArgumentException e) {
            AdminHandler.error(response, callback, HttpStatus.BAD_REQUEST_400, "not a valid listener: "
                    + RouteTables.describe(e));
            return;
        }
        try {
            AdminHandler.json(response, callback, HttpStatus.OK_200, apps.put(app, want, log));
        } catch (HostedApp.AppException e) {
            AdminHandler.error(response, callback, HttpStatus.BAD_REQUEST_400, "app " + app + ": " + e.getMessage());
        } catch (IOException e) {
            AdminHandler.error(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, e.getMessage());
        }
    }
}
