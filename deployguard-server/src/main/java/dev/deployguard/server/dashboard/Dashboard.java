package dev.deployguard.server.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.json.Json;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.request.Principal;
import dev.deployguard.server.request.Role;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The dashboard's routes under {@code /ui/}: login and logout, the three pages, their event stream and the bundled
 * script and style. Pages need a session (or loopback demo mode); actions are not routed here at all: the page's
 * buttons call the JSON API with the session cookie and its CSRF token, where roles and the audit trail apply.
 */
public final class Dashboard implements AutoCloseable {
    private static final Pattern APP_PAGE = Pattern.compile("/ui/apps/([a-z0-9][a-z0-9-]{0,62})(/rollout)?");
    /** A login form body is one token: anything longer is not one. */
    private static final int MAX_LOGIN_BODY = 4096;
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final boolean demo;
    private final Sessions sessions;
    private final Pages pages;
    private final RolloutSeries series = new RolloutSeries();
    private final EventStream streams = new EventStream();

    /**
     * @param demo loopback demo mode: pages without login, as the API answers without a token
     * @param authenticate the API's authorization of a token (who it is and its role), empty for a wrong one
     */
    public Dashboard(ControlPlane cp, ApiReads api, boolean demo, Function<String, Optional<Principal>> authenticate) {
        this.demo = demo;
        this.sessions = new Sessions(Clock.systemUTC(), authenticate);
        this.pages = new Pages(cp, api, series);
        cp.rollouts().onAnalysis(series::add);
    }

    /** Whether {@code path} is the dashboard's (everything else belongs to the API). */
    public static boolean serves(String path) {
        return path.equals("/") || path.equals("/ui") || path.startsWith("/ui/");
    }

    public Sessions sessions() {
        return sessions;
    }

    /** The principal of demo mode, as the API has it. */
    public static Principal demoPrincipal() {
        return new Principal("demo", Role.ADMIN);
    }

    public void handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        secure(response);
        try {
            if (path.equals("/") || path.equals("/ui")) {
                redirect(response, callback, "/ui/");
                return;
            }
            if (path.startsWith("/ui/static/") && method.equals("GET")) {
                serveStatic(path.substring("/ui/static/".length()), response, callback);
                return;
            }
            if (path.equals("/ui/login")) {
                login(request, response, callback);
                return;
            }
            Optional<Sessions.Login> login = sessions.find(request);
            if (path.equals("/ui/logout") && method.equals("POST")) {
                Fields form = form(request);
                if (login.isPresent() && Sessions.csrfMatches(login.get(), form.getValue("csrf"))) {
                    sessions.logout(login.get().id());
                }
                Response.addCookie(response, Sessions.expired(request.isSecure()));
                redirect(response, callback, "/ui/login");
                return;
            }
            Principal who = login.map(Sessions.Login::principal).orElse(demo ? demoPrincipal() : null);
            String csrf = login.map(Sessions.Login::csrf).orElse(null);
            if (who == null) {
                if (path.equals("/ui/stream")) {
                    page(response, callback, 401, Pages.error(401, "Log in first."));
                } else {
                    redirect(response, callback, "/ui/login");
                }
                return;
            }
            if (!method.equals("GET")) {
                page(response, callback, 405, Pages.error(405, "The dashboard's pages are read with GET; actions"
                        + " go to the JSON API."));
                return;
            }
            if (path.equals("/ui/")) {
                page(response, callback, 200, pages.apps(who, csrf));
                return;
            }
            if (path.equals("/ui/stream")) {
                stream(request, response, callback, who);
                return;
            }
            Matcher m = APP_PAGE.matcher(path);
            if (m.matches()) {
                page(response, callback, 200, m.group(2) == null ? pages.app(m.group(1), who, csrf)
                        : pages.rollout(m.group(1), who, csrf));
                return;
            }
            page(response, callback, 404, Pages.error(404, "No such page."));
        } catch (DeployGuardException e) {
            int status = e.exitCode() == ExitCode.NOT_FOUND ? 404 : e.exitCode() == ExitCode.BAD_INPUT ? 400 : 500;
            page(response, callback, status, Pages.error(status, e.getMessage()));
        } catch (IOException | RuntimeException e) {
            page(response, callback, 500, Pages.error(500, "internal error: " + e.getClass().getSimpleName()));
        }
    }

    private void login(Request request, Response response, Callback callback) throws IOException {
        if (request.getMethod().equals("GET")) {
            if (demo) {
                redirect(response, callback, "/ui/");
                return;
            }
            page(response, callback, 200, pages.login(null));
            return;
        }
        if (!request.getMethod().equals("POST")) {
            page(response, callback, 405, Pages.error(405, "Log in with the form."));
            return;
        }
        if (!sameOrigin(request)) {
            page(response, callback, 403, pages.login("This login came from another site and was refused."));
            return;
        }
        String token = form(request).getValue("token");
        Optional<Sessions.Login> login = token == null || token.isBlank() ? Optional.empty()
                : sessions.login(token.trim());
        if (login.isEmpty()) {
            page(response, callback, 401, pages.login("That token is not valid (or was revoked)."));
            return;
        }
        Response.addCookie(response, Sessions.cookieFor(login.get().id(), request.isSecure()));
        redirect(response, callback, "/ui/");
    }

    private void stream(Request request, Response response, Callback callback, Principal who) {
        if (streams.full()) {
            page(response, callback, 503, Pages.error(503, "Too many open dashboard pages; close some."));
            return;
        }
        Fields q = Request.extractQueryParameters(request);
        String view = q.getValue("view");
        String app = q.getValue("app");
        if (app != null && !APP_PAGE.matcher("/ui/apps/" + app).matches()) {
            throw DeployGuardException.badInput("not an app name: " + app);
        }
        boolean canAct = Pages.canAct(who);
        Map<String, String> last = signatures(q.getValue("sig"));
        long[] next = {parseLong(q.getValue("from"))};
        long rollout = parseLong(q.getValue("rollout"));
        long[] measuredAfter = {parseLong(q.getValue("mfrom"))};
        // What the page's metric table stands on: the rollout's measurements up to the page's cursor, read once.
        MetricTable.Tally tally = view != null && view.equals("rollout") ? new MetricTable.Tally()
                .add(pages.measured(app, rollout, 0).points().stream().filter(p -> p.id() <= measuredAfter[0])
                        .toList()) : null;
        streams.start(response, callback, () -> {
            List<EventStream.Message> out = new ArrayList<>();
            Map<String, String> parts = new java.util.LinkedHashMap<>();
            switch (view == null ? "" : view) {
                case "app" -> {
                    parts.put("app-state", pages.appState(app));
                    parts.put("history", pages.history(app, canAct));
                    parts.put("incidents", pages.incidents(app));
                    parts.put("events", pages.events(app));
                }
                case "rollout" -> {
                    parts.put("rollout-state", pages.rolloutState(app, rollout));
                    parts.put("rollout-actions", pages.rolloutActions(app, rollout, canAct));
                    parts.put("verdicts", pages.verdicts(app, rollout));
                    RolloutSeries.Slice slice = series.since(app, rollout, next[0]);
                    if (!slice.points().isEmpty()) {
                        out.add(new EventStream.Message("points", json(slice)));
                    }
                    next[0] = Math.max(next[0], slice.end());
                    MetricSeries.Slice measured = pages.measured(app, rollout, measuredAfter[0]);
                    if (!measured.points().isEmpty()) {
                        out.add(new EventStream.Message("measurements", json(measured)));
                    }
                    measuredAfter[0] = Math.max(measuredAfter[0], measured.end());
                    parts.put("metric-status", pages.metricStatus(app, rollout, tally.add(measured.points())));
                }
                default -> parts.put("apps", pages.appsTable());
            }
            parts.forEach((id, html) -> {
                if (!Pages.signature(html).equals(last.put(id, Pages.signature(html)))) {
                    out.add(new EventStream.Message("fragment", json(Map.of("id", id, "html", html, "sig",
                            Pages.signature(html)))));
                }
            });
            return out;
        });
    }

    /** {@code id:sig,id:sig} from the page: what it already shows, so the stream does not send it again. */
    private static Map<String, String> signatures(String text) {
        Map<String, String> out = new java.util.HashMap<>();
        if (text != null) {
            for (String pair : text.split(",", 32)) {
                int colon = pair.indexOf(':');
                if (colon > 0 && pair.length() < 100) {
                    out.put(pair.substring(0, colon), pair.substring(colon + 1));
                }
            }
        }
        return out;
    }

    private static long parseLong(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput("not a number: " + v);
        }
    }

    /** A browser's POST carries Origin; one from another origin is refused (the CLI sends none). */
    public static boolean sameOrigin(Request request) {
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private static Fields form(Request request) throws IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes(MAX_LOGIN_BODY + 1);
            if (body.length > MAX_LOGIN_BODY) {
                throw DeployGuardException.badInput("the form is too large");
            }
            Fields fields = new Fields();
            org.eclipse.jetty.util.UrlEncoded.decodeTo(new String(body, StandardCharsets.US_ASCII), fields::add,
                    StandardCharsets.UTF_8);
            return fields;
        }
    }

    private void serveStatic(String name, Response response, Callback callback) throws IOException {
        String type = switch (name) {
            case "dashboard.js" -> "text/javascript; charset=utf-8";
            case "dashboard.css" -> "text/css; charset=utf-8";
            default -> null;
        };
        if (type == null) {
            page(response, callback, 404, Pages.error(404, "No such file."));
            return;
        }
        try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
            if (in == null) {
                page(response, callback, 404, Pages.error(404, "No such file."));
                return;
            }
            byte[] bytes = in.readAllBytes();
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }
    }

    private static void secure(Response response) {
        response.getHeaders().put("Content-Security-Policy", CSP);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on a form POST, and the
        // login's Origin check could not tell the dashboard's own form from another site's.
        response.getHeaders().put("Referrer-Policy", "same-origin");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    }

    private static void redirect(Response response, Callback callback, String to) {
        response.setStatus(303);
        response.getHeaders().put(HttpHeader.LOCATION, to);
        response.write(true, null, callback);
    }

    private static void page(Response response, Callback callback, int status, String html) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.write(true, ByteBuffer.wrap(html.getBytes(StandardCharsets.UTF_8)), callback);
    }

    static String json(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write dashboard JSON", e);
        }
    }

    @Override
    public void close() {
        streams.close();
    }
}
