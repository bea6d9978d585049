// Over 400 lines: Jetty setup, auth, limits, error mapping and the route table; logic lives in handlers.
package dev.deployguard.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deployguard.check.ChecklistJson;
import dev.deployguard.error.DeployGuardException;
import dev.deployguard.error.ExitCode;
import dev.deployguard.event.Event;
import dev.deployguard.json.Json;
import dev.deployguard.release.Identifiers;
import dev.deployguard.rollout.Rollout;
import dev.deployguard.rollout.RolloutEngine;
import dev.deployguard.server.ControlPlane;
import dev.deployguard.server.NotLeaderException;
import dev.deployguard.server.access.ApiTokens;
import dev.deployguard.server.access.Audit;
import dev.deployguard.server.access.TokenApi;
import dev.deployguard.server.backup.BackupApi;
import dev.deployguard.server.dashboard.Dashboard;
import dev.deployguard.server.dashboard.Sessions;
import dev.deployguard.server.deploy.DeployResult;
import dev.deployguard.server.deploy.Deployer;
import dev.deployguard.server.drill.DrillApi;
import dev.deployguard.server.health.LoopHealth;
import dev.deployguard.server.incident.IncidentApi;
import dev.deployguard.server.telemetry.ControlPlaneMetrics;
import dev.deployguard.server.request.Endpoint;
import dev.deployguard.server.request.JsonBody;
import dev.deployguard.server.request.Principal;
import dev.deployguard.server.request.Role;
import dev.deployguard.server.teardown.TeardownApi;
import dev.deployguard.spec.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The control plane's HTTP API (JSON). Every request needs {@code Authorization: Bearer <token>}; only a server
 * bound to loopback may be started in demo mode without one.
 */
public final class ApiServer implements AutoCloseable {
    private static final Pattern APP_PATH = Pattern.compile("/api/apps/([^/]+)(/[a-z]+(?:/[a-z]+)?)?");
    /** The largest request body read (1 MiB): every body the API takes is a few fields of text. */
    static final int MAX_BODY = 1 << 20;
    static final int MAX_HEADERS = 16 << 10;
    private static final long MAX_DRAINED = 16L << 20;

    private final ControlPlane cp;
    private final ObjectMapper json = Json.mapper();
    private final Server server;
    private final ApiTokens tokens;
    private final TokenApi tokenApi;
    private final Audit audit;
    private final ControlPlaneMetrics metrics;
    private final boolean demo;
    private final Dashboard dashboard;
    /** The request attribute that marks a request authenticated by a dashboard session cookie. */
    private static final String SESSION = "dev.deployguard.dashboard.session";

    public ApiServer(ControlPlane cp, String host, int port, boolean demo) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (IOException e) {
            throw DeployGuardException.badInput("cannot resolve server listen host '" + host + "'");
        }
        if (demo && !address.isLoopbackAddress()) {
            throw DeployGuardException.badInput("demo mode (no API token) is only allowed on a loopback address;"
                    + " got " + host);
        }
        this.cp = cp;
        this.demo = demo;
        this.tokens = new ApiTokens(cp.store(), cp.apiToken(), Clock.systemUTC());
        this.tokenApi = new TokenApi(tokens);
        this.audit = new Audit(cp.events());
        this.metrics = new ControlPlaneMetrics(cp, Clock.systemUTC());
        var pool = new QueuedThreadPool(32, 4);
        pool.setName("deployguard-api");
        this.server = new Server(pool);
        // Headers are bounded before anything parses them: a request line plus headers over MAX_HEADERS is
        // refused with 431 by Jetty (answered as JSON by the error handler below), like a body over MAX_BODY.
        var http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADERS);
        http.setSendServerVersion(false);
        var connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address.getHostAddress());
        connector.setPort(port);
        connector.setIdleTimeout(Duration.ofMinutes(30).toMillis());
        server.addConnector(connector);
        // Whatever Jetty refuses before our handler runs (an encoded slash like /api/apps/..%2Fx, a bad header)
        // is answered in the API's own JSON shape, never an HTML page.
        server.setErrorHandler((request, response, callback) -> {
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            int status = response.getStatus() >= 400 ? response.getStatus() : 400;
            send(response, callback, status, Map.of("error", "request refused (" + status + (message == null ? ""
                    : ": " + message) + "); app names are lowercase letters, digits and '-'", "exitCode",
                    ExitCode.BAD_INPUT.code()));
            return true;
        });
        this.dashboard = new Dashboard(cp, this::read, demo, tokens::authenticate);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(request, response, callback);
                return true;
            }
        });
    }

    public void start() {
        try {
            server.start();
        } catch (Exception e) {
            throw new DeployGuardException(ExitCode.BAD_INPUT, "cannot start the API server: " + e.getMessage()
                    + (e instanceof IOException ? " (is another control plane running on that port?)" : ""), e);
        }
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public String url() {
        var c = (ServerConnector) server.getConnectors()[0];
        String host = c.getHost().contains(":") ? "[" + c.getHost() + "]" : c.getHost();
        return "http://" + host + ":" + c.getLocalPort();
    }

    @Override
    public void close() {
        dashboard.close(); // open event streams end first, so stopping does not wait for them
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping a server that failed to start.
        }
    }

    /**
     * Serves one request. A call that would change something is recorded in the audit trail before it is answered,
     * so whoever reads the trail after an answer finds the call in it.
     */
    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (Dashboard.serves(path)) {
            dashboard.handle(request, response, callback);
            return;
        }
        Endpoint endpoint = Endpoint.find(method, path).orElse(null);
        Answer answer = answer(request, method, path, endpoint);
        metrics.apiRequest(endpoint, answer.status());
        if (Audit.audited(method, endpoint)) {
            Object p = request.getAttribute(Principal.ATTRIBUTE);
            audit.record(new Audit.Call(method, path, endpoint, p instanceof Principal principal ? principal : null,
                    Principal.onBehalfOf(request), Request.getRemoteAddr(request), answer.status(), answer.error()));
        }
        if (answer.body() instanceof String text) {
            response.setStatus(answer.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, endpoint == Endpoint.PROMETHEUS_METRICS
                    ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
            Content.Sink.write(response, true, text, callback);
            return;
        }
        send(response, callback, answer.status(), answer.body());
    }

    /** A status and what goes with it: a JSON-able object, or text. */
    private record Answer(int status, Object body) {
        String error() {
            return status >= 300 && body instanceof Map<?, ?> m && m.get("error") != null
                    ? String.valueOf(m.get("error")) : null;
        }
    }

    private Answer answer(Request request, String method, String path, Endpoint endpoint) {
        try {
            Principal principal = authenticate(request);
            if (principal != null) {
                Principal.set(request, principal);
            }
            if ((endpoint == null || !endpoint.open()) && principal == null) {
                discard(request);
                return new Answer(401, Map.of("error", "missing or wrong API token: send"
                        + " 'Authorization: Bearer <token>' (the admin token is in the state directory's api.token;"
                        + " others come from: deployguard token create)", "exitCode", ExitCode.BAD_INPUT.code()));
            }
            if (endpoint == null) {
                throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
            }
            if (!method.equals("GET") && !dashboardMayChange(request)) {
                discard(request);
                return new Answer(403, Map.of("error", "refused: a browser request to change"
                        + " something must come from the dashboard's own page, with its CSRF token (reload the page"
                        + " and retry)", "exitCode", ExitCode.BAD_INPUT.code()));
            }
            if (!endpoint.open() && !principal.may(endpoint.role())) {
                discard(request);
                return new Answer(403, Map.of("error", endpoint + " needs the " + endpoint.role().label()
                        + " role; token '" + principal.actor() + "' has the " + principal.role().label()
                        + " role (an admin can create a token with: deployguard token create --role "
                        + endpoint.role().label() + ")", "requiredRole", endpoint.role().label(),
                        "exitCode", ExitCode.BAD_INPUT.code()));
            }
            List<LoopHealth.Problem> problems = endpoint == Endpoint.HEALTH ? cp.healthProblems() : List.of();
            if (!problems.isEmpty()) {
                return new Answer(503, unhealthy(problems));
            }
            if (endpoint.changes()) {
                cp.requireLeader("make changes (" + method + " " + path + ")");
            }
            Fields query = Request.extractQueryParameters(request);
            return new Answer(200, route(endpoint, method, path, query, request, actor(request)));
        } catch (NotLeaderException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", e.getMessage());
            m.put("exitCode", e.exitCode().code());
            m.put("leader", e.leader());
            return new Answer(503, m);
        } catch (DeployGuardException e) {
            int status = e instanceof BodyTooLarge ? 413 : switch (e.exitCode()) {
                case BAD_INPUT -> 400;
                case NOT_FOUND -> 404;
                case BUSY -> 409;
                case DEPLOY_FAILED -> 422;
                case UNREACHABLE -> 502;
                default -> 500;
            };
            return new Answer(status, Map.of("error", e.getMessage(), "exitCode", e.exitCode().code()));
        } catch (RuntimeException | IOException e) {
            return new Answer(500, Map.of("error", "internal error: " + e, "exitCode", ExitCode.FAILURE.code()));
        }
    }

    /** Reads and drops a refused request's body, so the connection stays usable for the client's next request. */
    private static void discard(Request request) {
        try (InputStream in = Content.Source.asInputStream(request)) {
            drain(in);
        } catch (IOException e) {
            // The client went away; nothing to answer on.
        }
    }

    private Object route(Endpoint endpoint, String method, String path, Fields query, Request request,
                         String actor) throws IOException {
        switch (endpoint) {
            case TOKENS -> {
                return tokenApi.route(endpoint, path, null, actor);
            }
            case TOKEN_CREATE, TOKEN_REVOKE -> {
                return tokenApi.route(endpoint, path, body(request, method + " " + path), actor);
            }
            case PROMETHEUS_METRICS -> {
                return metrics.scrape();
            }
            default -> {
                // served below
            }
        }
        if (path.equals("/api/health")) {
            return Map.of("status", "ok", "pid", ProcessHandle.current().pid(), "role", cp.role());
        }
        if (path.equals("/api/apps") && method.equals("GET")) {
            var names = new java.util.LinkedHashSet<String>();
            try {
                names.addAll(cp.specs().get().apps().keySet());
            } catch (DeployGuardException e) {
                // A broken spec file still lets people see what runs.
            }
            names.addAll(cp.store().apps());
            List<Map<String, Object>> apps = new ArrayList<>();
            for (String name : names) {
                apps.add(listed(name));
            }
            return Map.of("apps", apps);
        }
        if (path.equals("/api/events") && method.equals("GET")) {
            return events(null, query);
        }
        if (path.equals("/api/backups") && method.equals("POST")) {
            JsonBody b = body(request, "POST " + path).allowOnly("dir", "keyEnv", "keep", "maxAge");
            return BackupApi.create(cp, b.string("dir"), b.string("keyEnv"), b.integer("keep", 1),
                    b.duration("maxAge"), actor);
        }
        if (IncidentApi.serves(path)) {
            return new IncidentApi(cp.incidents()).route(method, path, query.getValue("app"),
                    method.equals("POST") ? body(request, method + " " + path) : null, actor);
        }
        if (TeardownApi.serves(method, path)) {
            return new TeardownApi(cp.teardown()).route(path, body(request, method + " " + path), actor);
        }
        Matcher m = APP_PATH.matcher(path);
        if (!m.matches()) {
            throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
        }
        String app = m.group(1);
        String action = m.group(2) == null ? "" : m.group(2);
        String call = method + " " + path;
        return switch (method + " " + action) {
            case "GET /status", "GET " -> withMetrics(app, cp.apps(app).status(app));
            case "GET /history" -> cp.apps(app).historyAnswer(app);
            case "GET /events" -> events(app, query);
            case "GET /metrics" -> cp.apps(app).trafficMetrics(app);
            case "GET /logs" -> cp.apps(app).logs(app, query.getValue("revision") == null ? null
                    : (int) longParam(query, "revision", 0), (int) longParam(query, "lines", 100));
            case "POST /deploy" -> result(cp.apps(app).deploy(deployRequest(app, body(request, call), actor)));
            case "POST /check" -> {
                String version = body(request, call).allowOnly("version").string("version");
                if (version != null) {
                    Identifiers.version(version);
                }
                yield ChecklistJson.toJson(cp.checks().checklists().run(cp.specs().app(app), version));
            }
            case "POST /promote", "POST /abort", "POST /pause", "POST /resume" -> {
                JsonBody b = body(request, call).allowOnly("full");
                var cmd = switch (action) {
                    case "/promote" -> b.bool("full", false) ? RolloutEngine.Command.PROMOTE_FULL
                            : RolloutEngine.Command.PROMOTE;
                    case "/abort" -> RolloutEngine.Command.ABORT;
                    case "/pause" -> RolloutEngine.Command.PAUSE;
                    default -> RolloutEngine.Command.RESUME;
                };
                cp.specs().app(app);
                Rollout r = cp.rollouts().command(app, cmd, actor);
                yield Map.of("rollout", r, "message", describe(r));
            }
            case "POST /drill" -> cp.drills().run(DrillApi.request(app, body(request, call)), actor);
            case "POST /rollback" -> {
                JsonBody b = body(request, call).allowOnly("toRevision", "changeCause", "forceSchema");
                yield result(cp.apps(app).rollback(app, b.integer("toRevision", 1), b.string("changeCause"), actor,
                        b.bool("forceSchema", false)));
            }
            case "POST /gitops/resume" -> {
                JsonBody b = body(request, call).allowOnly("force");
                cp.specs().app(app);
                yield cp.apps(app).resumeGitOps(app, b.bool("force", false), actor);
            }
            case "POST /migrate" -> {
                JsonBody b = body(request, call).allowOnly("version", "contract");
                yield Map.of("app", app, "message", cp.deployer().migrate(app, b.string("version"),
                        b.bool("contract", false), actor));
            }
            default -> throw DeployGuardException.notFound("no such API endpoint: " + method + " " + path);
        };
    }

    /** One app of the list: a cluster that cannot be read must not hide the other apps. */
    private Map<String, Object> listed(String app) {
        try {
            return cp.apps(app).status(app);
        } catch (DeployGuardException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("app", app);
            m.put("serving", null);
            m.put("error", e.getMessage());
            return m;
        }
    }

    static String describe(Rollout r) {
        return r.kind() + " rollout of revision " + r.canaryRevision() + ": " + r.phase() + ", canary weight "
                + RolloutEngine.percent(r.weight()) + (r.waiting() == null ? "" : ", waiting for " + r.waiting().text())
                + (r.outcome() == null ? "" : " (" + r.outcome() + ")");
    }

    private Map<String, Object> result(DeployResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("release", r.release());
        m.put("previousRevision", r.previousRevision());
        m.put("switchMillis", r.switchMillis());
        m.put("message", r.message());
        return m;
    }

    /** Read-only views work from the store alone, so a broken spec file does not hide history. */
    private void requireApp(String app) {
        if (cp.store().history(app).isEmpty()) {
            cp.specs().app(app);
        }
    }

    /** A status with the custom metrics of the app's latest rollout (each metric's phase and measurements). */
    private Map<String, Object> withMetrics(String app, Map<String, Object> status) {
        Map<String, Object> m = new LinkedHashMap<>(status);
        m.put("metrics", cp.rollouts().metrics(app));
        return m;
    }

    /** 503's body: which loop is stuck or starved, since when, and what that means for users. */
    private static Map<String, Object> unhealthy(List<LoopHealth.Problem> problems) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (LoopHealth.Problem p : problems) {
            list.add(Map.of("loop", p.loop(), "state", p.state(), "since", p.since().toString(), "detail",
                    p.detail()));
        }
        LoopHealth.Problem first = problems.get(0);
        return Map.of("status", "unhealthy", "pid", ProcessHandle.current().pid(), "problems", list, "error",
                "the " + first.loop() + " loop is " + first.state() + " since " + first.since() + ": "
                        + first.detail() + "; crashed instances and routers may not be restarted meanwhile (a"
                        + " thread dump, `jstack " + ProcessHandle.current().pid() + "`, shows where it waits)",
                "exitCode", ExitCode.FAILURE.code());
    }

    private Map<String, Object> events(String app, Fields query) {
        if (app != null) {
            requireApp(app);
        }
        long after = longParam(query, "after", 0);
        int limit = (int) Math.min(longParam(query, "limit", 1000), 10_000);
        Instant since = null;
        String s = query.getValue("since");
        if (s != null) {
            since = Instant.now().minus(duration(s, "since"));
        }
        String type = query.getValue("type");
        if (type != null && !type.matches("[a-z][a-z.-]{0,63}")) {
            throw DeployGuardException.badInput("type must be an event kind or its first part, e.g. audit or"
                    + " rollback.started; got '" + type + "'");
        }
        List<Event> list;
        if (app != null && type != null && (type.equals("audit") || type.startsWith("audit."))) {
            // Audit events belong to the control plane and name their app in data (see Audit).
            list = new ArrayList<>();
            long from = after;
            while (list.size() < limit) {
                List<Event> page = cp.store().events(null, type, from, since, 1000);
                page.stream().filter(e -> app.equals(Audit.app(e))).limit(limit - list.size()).forEach(list::add);
                if (page.size() < 1000) {
                    break;
                }
                from = page.get(page.size() - 1).id();
            }
        } else {
            list = cp.store().events(app, type, after, since, limit);
        }
        return Map.of("events", list);
    }

    /** The request's principal from its bearer token; in demo mode, without a token, {@code demo} as admin. */
    private Principal authenticate(Request request) {
        String h = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (h != null && h.startsWith("Bearer ")) {
            Optional<Principal> p = tokens.authenticate(h.substring(7).trim());
            if (p.isPresent()) {
                return p.get();
            }
        } else {
            // A browser: the dashboard's session cookie stands for the token typed at login.
            Optional<Sessions.Login> login = dashboard.sessions().find(request);
            if (login.isPresent()) {
                request.setAttribute(SESSION, login.get());
                return login.get().principal();
            }
        }
        return demo ? Dashboard.demoPrincipal() : null;
    }

    /**
     * CSRF defence for changes: a request from a browser page of another origin is refused (the CLI sends no
     * Origin), and one authenticated by the session cookie must carry the session's CSRF token in a header.
     */
    private static boolean dashboardMayChange(Request request) {
        if (!Dashboard.sameOrigin(request)) {
            return false;
        }
        return !(request.getAttribute(SESSION) instanceof Sessions.Login login)
                || Sessions.csrfMatches(login, request.getHeaders().get(Sessions.CSRF_HEADER));
    }

    /** The API's own answer to a GET, as JSON, for the dashboard's pages. */
    private JsonNode read(String path, Map<String, String> query) {
        Fields fields = new Fields();
        query.forEach(fields::add);
        Endpoint endpoint = Endpoint.find("GET", path).orElseThrow(() -> DeployGuardException.notFound(
                "no such API endpoint: GET " + path));
        try {
            return json.valueToTree(route(endpoint, "GET", path, fields, null, "dashboard"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** WHO in history and events: the token's name, with the client's "on behalf of" text beside it. */
    private static String actor(Request request) {
        if (request.getAttribute(Principal.ATTRIBUTE) instanceof Principal p) {
            return p.recorded(Principal.onBehalfOf(request));
        }
        return "api@" + Request.getRemoteAddr(request);
    }

    private static Deployer.DeployRequest deployRequest(String app, JsonBody b, String actor) {
        b.allowOnly("version", "changeCause", "atomic", "timeout", "skipChecks");
        return new Deployer.DeployRequest(app, Identifiers.version(b.string("version")),
                Identifiers.changeCause(b.string("changeCause")), b.bool("atomic", false),
                b.duration("timeout"), actor, b.bool("skipChecks", false));
    }

    /**
     * The request's JSON object, read up to {@link #MAX_BODY} bytes: a larger body is refused (413) before it is
     * read in full, so a runaway client cannot fill the control plane's memory.
     */
    private static JsonBody body(Request request, String endpoint) throws IOException {
        long declared = request.getLength();
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (declared > MAX_BODY) {
                drain(in);
                throw new BodyTooLarge(endpoint, declared + " bytes");
            }
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                drain(in);
                throw new BodyTooLarge(endpoint, "more than " + MAX_BODY + " bytes");
            }
            return JsonBody.parse(new String(bytes, StandardCharsets.UTF_8), endpoint);
        }
    }

    /**
     * Reads and drops the rest of a refused body (up to {@link #MAX_DRAINED}): a server that closes a connection with
     * unread data makes the kernel reset it, and the client sees a broken connection instead of the 413 and its
     * message. Beyond that much, the connection is closed anyway.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = MAX_DRAINED;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0) {
            left -= n;
        }
    }

    /** A request body over the limit: bad input, answered with 413. */
    private static final class BodyTooLarge extends DeployGuardException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge(String endpoint, String size) {
            super(ExitCode.BAD_INPUT, "the body of " + endpoint + " is too large (" + size + "); the API takes at most "
                    + MAX_BODY / 1024 + " KiB per request (notes and titles are clipped far below that)");
        }
    }

    private static Duration duration(String text, String what) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DeployGuardException.badInput(what + ": " + e.getMessage());
        }
    }

    private static long longParam(Fields query, String name, long dflt) {
        String v = query.getValue(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw DeployGuardException.badInput(name + " must be a number, got '" + v + "'");
        }
    }

    private void send(Response response, Callback callback, int status, Object body) {
        try {
            byte[] bytes = json.writeValueAsBytes(body);
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

}
